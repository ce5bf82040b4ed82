"""`oneplan`: run the service, mint a token, verify the plans' hash chains."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from uuid import UUID

from services import projector_cli, relay_cli
from services.config import OWNED_METRICS_DIR_PREFIX, Config, ConfigError
from services.http.auth import KNOWN_ROLES, mint_token
from services.ledger import PlanLedger, PlanNotFound
from services.logs import configure_logging
from services.secrets import ensure_secret, secret_path, stored_secret
from services.sidecars import run_with_sidecars
from services.verification import verify_all, verify_plan

#: Processes an operator runs and watches: their log records go to stdout as JSON lines.
LONG_RUNNING = frozenset({"project", "relay"})


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in LONG_RUNNING:
        configure_logging()
    try:
        config = Config.from_env()
        return int(args.run(args, config))
    except ConfigError as error:
        print(f"oneplan: {error}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    """The `oneplan` command line: every subcommand and its arguments."""
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

    verify = commands.add_parser(
        "verify", help="recompute the hash chain of a plan's stored events, or of every plan"
    )
    which = verify.add_mutually_exclusive_group(required=True)
    which.add_argument("plan_id", nargs="?", type=UUID, help="the plan to verify")
    which.add_argument("--all", action="store_true", help="every plan, with a progress bar")
    verify.set_defaults(run=_verify)

    projector_cli.add_commands(commands)
    relay_cli.add_commands(commands)
    return parser


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
    env = {**os.environ, "ONEPLAN_JWT_SECRET": secret}
    # A sidecar relay counts into the workers' metric files, so /metrics has its figures too.
    env.pop("ONEPLAN_METRICS_PORT", None)
    if not config.metrics_dir:
        # Each worker keeps its metrics in files here; gunicorn's on_exit removes the directory.
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=OWNED_METRICS_DIR_PREFIX)
    # No sidecars: the process becomes gunicorn (execve). Else gunicorn and they run together.
    relays = relay_cli.sidecar_commands(config) if config.serves_relay else []
    sidecars = projector_cli.sidecar_commands(config) + relays
    return run_with_sidecars(gunicorn, sidecars, env)


def _token(args: argparse.Namespace, config: Config) -> int:
    secret = stored_secret(config)
    if secret is None:
        raise ConfigError("no token secret: set ONEPLAN_JWT_SECRET or run `oneplan serve` once")
    if args.ttl < 1:
        raise ConfigError("--ttl must be at least 1 second")
    print(mint_token(secret, args.sub, args.name, args.role, args.ttl))
    return 0


def _verify(args: argparse.Namespace, config: Config) -> int:
    """Print each verdict as JSON; exit 0 when every chain verifies, 1 when one is broken."""
    ledger = PlanLedger(env=config.store_env())
    try:
        if not args.all:
            try:
                check = verify_plan(ledger, args.plan_id)
            except PlanNotFound as error:
                print(f"oneplan: {error}", file=sys.stderr)
                return 2
            print(json.dumps({"plan_id": str(args.plan_id), **vars(check)}))
            return 0 if check.ok else 1
        broken = 0
        checked = 0
        for plan_id, check in verify_all(ledger, _progress_bar):
            checked += 1
            if not check.ok:
                broken += 1
                print(json.dumps({"plan_id": str(plan_id), **vars(check)}))
        print(f"oneplan: {checked} plans verified, {broken} broken", file=sys.stderr)
        return 1 if broken else 0
    finally:
        ledger.close()


def _progress_bar(done: int, total: int, width: int = 40) -> None:
    filled = width * done // max(total, 1)
    end = "\n" if done == total else ""
    print(f"\rverifying [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
          file=sys.stderr, flush=True)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
