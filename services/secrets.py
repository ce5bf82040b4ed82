"""The token secret of the embedded default: generated once, kept in the data directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from services.config import Config

SECRET_FILE = "jwt-secret"


def secret_path(config: Config) -> Path:
    return config.data_dir / SECRET_FILE


def stored_secret(config: Config) -> str | None:
    """The configured secret, else the one `oneplan serve` kept in the data directory."""
    if config.jwt_secret:
        return config.jwt_secret
    path = secret_path(config)
    return path.read_text().strip() if path.exists() else None


def ensure_secret(config: Config) -> tuple[str, bool]:
    """The secret to serve with, generating and keeping one (owner-only) if there is none."""
    existing = stored_secret(config)
    if existing:
        return existing, False
    config.data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path = secret_path(config)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret + "\n")
    return secret, True
