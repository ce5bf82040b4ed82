"""`oneplan`: run the service, mint a token."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from services.config import Config, ConfigError
from services.http.auth import KNOWN_ROLES, mint_token
from services.secrets import ensure_secret, secret_path, stored_secret


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oneplan", description="One Plan Ledger")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API under gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None)
    serve.set_defaults(run=_serve)

    token = commands.add_parser("token", help="print a bearer token signed with the secret")
    token.add_argument("--sub", required=True, help="the caller's id")
    token.add_argument("--name", required=True, help="the caller's name")
    token.add_argument("--role", required=True, choices=KNOWN_ROLES)
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    token.set_defaults(run=_token)

    args = parser.parse_args(argv)
    try:
        config = Config.from_env()
        return int(args.run(args, config))
    except ConfigError as error:
        print(f"oneplan: {error}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace, config: Config) -> int:
    secret, generated = ensure_secret(config)
    if generated:
        print(f"oneplan: generated a token secret in {secret_path(config)}", file=sys.stderr)
    where = "PostgreSQL" if config.uses_postgres else f"SQLite in {config.data_dir}"
    print(
        f"oneplan: serving on http://{args.host}:{args.port} ({where}); docs at /docs\n"
        "oneplan: mint a token with: oneplan token --sub me --name 'My Name' --role senco",
        file=sys.stderr,
    )
    gunicorn = [
        sys.executable, "-m", "gunicorn",
        "--config", "python:services.gunicorn_conf",
        "--bind", f"{args.host}:{args.port}",
        "--workers", str(args.workers or config.workers),
        "--threads", str(config.threads),
    ]  # fmt: skip
    os.execve(sys.executable, gunicorn, {**os.environ, "ONEPLAN_JWT_SECRET": secret})
    return 0  # not reached: the process is now gunicorn


def _token(args: argparse.Namespace, config: Config) -> int:
    secret = stored_secret(config)
    if secret is None:
        raise ConfigError("no token secret: set ONEPLAN_JWT_SECRET or run `oneplan serve` once")
    if args.ttl < 1:
        raise ConfigError("--ttl must be at least 1 second")
    print(mint_token(secret, args.sub, args.name, args.role, args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
