"""Who is calling: a bearer JWT, HS256, signed with ``app.config["ONEPLAN_JWT_SECRET"]``.

The token must carry non-empty ``sub``, ``name`` and ``role`` claims and an ``exp``.
Every failure to prove an identity answers **401** with ``WWW-Authenticate: Bearer``
(RFC 6750): no token, not a bearer token, malformed, badly signed, another algorithm,
expired, a claim missing or empty.

A well-signed token whose ``role`` is not in ``KNOWN_ROLES`` answers **403**, reads included:
the caller is authenticated (we issued that token) but the ledger grants nothing to a role it
does not know, and asking again with the same token will not help — so it is not a 401.
Read-only roles (``inspector``, ``parent_carer``) answer 403 on writes, via ``require_writer``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NoReturn

import jwt
from flask import current_app, g, request

from contracts.vocabulary import PARTICIPANT_ROLES
from services.http.errors import abort

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "name", "role", "exp")

# The participant roles of the contract, then the roles that are not participants.
KNOWN_ROLES = (*PARTICIPANT_ROLES, "inspector", "admin")
READ_ONLY_ROLES = frozenset({"inspector", "parent_carer"})

_REALM = 'Bearer realm="oneplan-ledger"'
_INVALID_TOKEN = f'{_REALM}, error="invalid_token"'


@dataclass(frozen=True)
class Identity:
    """The caller, as the token names them; every event records it as the actor."""

    id: str
    name: str
    role: str

    @property
    def can_write(self) -> bool:
        return self.role not in READ_ONLY_ROLES


def current_identity() -> Identity:
    """The verified caller of this request (decoded once, then kept on ``flask.g``)."""
    identity = g.get("oneplan_identity")
    if identity is None:
        identity = _identity_from(_decode(_bearer_token()))
        g.oneplan_identity = identity
    return identity  # type: ignore[no-any-return]


def require_writer() -> Identity:
    """The caller, if their role may change plans; 401 or 403 otherwise."""
    identity = current_identity()
    if not identity.can_write:
        abort(403, f"Role '{identity.role}' may read plans but not change them.")
    return identity


def mint_token(secret: str, sub: str, name: str, role: str, ttl_seconds: int) -> str:
    """Issue a token this API accepts (for the CLI, tests and local development)."""
    if role not in KNOWN_ROLES:
        raise ValueError(f"unknown role {role!r}; known roles: {', '.join(KNOWN_ROLES)}")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    now = int(time.time())
    claims = {"sub": sub, "name": name, "role": role, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    if not header:
        _unauthorized("Authentication required: send 'Authorization: Bearer <token>'.", _REALM)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        _unauthorized("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


def _decode(token: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            _secret(),
            algorithms=[ALGORITHM],
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        _unauthorized("The token has expired.")
    except jwt.ImmatureSignatureError:
        _unauthorized("The token is not valid yet (its iat or nbf is in the future).")
    except jwt.MissingRequiredClaimError as error:
        _unauthorized(f"The token lacks the '{error.claim}' claim.")
    except jwt.InvalidAlgorithmError:
        _unauthorized(f"The token must be signed with {ALGORITHM}.")
    except jwt.InvalidSignatureError:
        _unauthorized("The token's signature is not valid.")
    except jwt.DecodeError:
        _unauthorized("The token is malformed.")
    except jwt.InvalidTokenError:
        _unauthorized("The token is not valid.")


def _identity_from(claims: dict[str, Any]) -> Identity:
    for claim in ("sub", "name", "role"):
        value = claims.get(claim)
        if not isinstance(value, str) or not value.strip():
            _unauthorized(f"The token's '{claim}' claim must be a non-empty string.")
    role = claims["role"]
    if role not in KNOWN_ROLES:
        abort(403, f"Role '{role}' is not known to the ledger and may not use it.")
    return Identity(id=claims["sub"], name=claims["name"], role=role)


def _secret() -> str:
    secret = current_app.config.get("ONEPLAN_JWT_SECRET")
    if not secret:
        # A deployment fault, not the caller's: a logged 500 rather than a misleading 401.
        raise RuntimeError("ONEPLAN_JWT_SECRET is not configured")
    return str(secret)


def _unauthorized(message: str, challenge: str = _INVALID_TOKEN) -> NoReturn:
    abort(401, message, headers={"WWW-Authenticate": challenge})
