"""The HTTP subcommands of `ledger`: `serve` (the API under uvicorn) and `token` (a development token).

`ledger serve`
checks what every process checks at start-up (schema migrated, database
durable, keys readable) before it binds the port, so a refused start is a
one-line message and exit status 1, not a traceback; on the embedded default
the app also runs the projection runner in-process. `ledger token` exists for
development only: a server configured for an OIDC issuer refuses what it
signs, so it refuses to sign there.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog

from api.auth import DevelopmentTokens, Role, token_verifier
from cli.console import Subcommands
from ledger.logs import configure_logging
from ledger.settings import Settings
from ledger.system import open_ledger, settle_start_up

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

log = structlog.get_logger()

DEFAULT_TOKEN_TTL_S = 8 * 3600


def add_serve(subparsers: Subcommands) -> None:
    """Add `serve` to the `ledger` command."""
    serve = subparsers.add_parser("serve", help="run the HTTP API (and, on the embedded default, the projections)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    serve.set_defaults(func=cmd_serve)


def add_token(subparsers: Subcommands) -> None:
    """Add `token` to the `ledger` command."""
    token = subparsers.add_parser("token", help="print a development bearer token (not with an OIDC issuer)")
    token.add_argument("--role", required=True, choices=[r.value for r in Role], help="the token's role")
    token.add_argument("--kvk", metavar="NUMBER", type=_kvk_number, help="the employer's KvK number (role employer)")
    token.add_argument("--sub", metavar="NAME", help="the subject (default dev-ROLE)")
    token.add_argument(
        "--ttl", metavar="S", type=_positive_int, default=DEFAULT_TOKEN_TTL_S, help="seconds valid (default 8 h)"
    )
    token.set_defaults(func=cmd_token)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the API until SIGINT or SIGTERM."""
    # Imported here, not above: the other `ledger` commands (this module is loaded for all of them)
    # would otherwise each spend a second loading FastAPI, every router and uvicorn.
    import uvicorn  # noqa: PLC0415

    from web.app import create_app  # noqa: PLC0415  # the API and the staff pages

    configure_logging(args.log_level, renderer="console" if settings.env == "development" else "json")
    _check_start_up(settings)
    server = uvicorn.Server(uvicorn_config(create_app(settings), host=args.host, port=args.port))
    log.info(
        "api_serving",
        url=f"http://{args.host}:{args.port}",
        backend=settings.backend,
        projections_in_process=settings.runs_projections_in_process,
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again for the handler it found:
    # for both, that is Python's KeyboardInterrupt, which ends the command normally.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    settle_start_up()
    try:
        server.run()
    except KeyboardInterrupt:
        return 0
    # uvicorn returns without having started when the app's lifespan failed (it has logged why).
    return 0 if server.started else 1


def uvicorn_config(app: ASGIApp, *, host: str, port: int) -> uvicorn.Config:
    """How `ledger serve` runs the app under uvicorn (a function, so that a test can serve it the same way)."""
    # Imported here for the reason cmd_serve gives.
    import uvicorn  # noqa: PLC0415

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        # Logging is ours (configure_logging); the app logs each request itself, without the query string.
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    """Print a development token for the role."""
    if settings.oidc_issuer or settings.env == "production":
        print(
            "ledger: development tokens are refused here: this server trusts only its OIDC issuer"
            f" ({settings.oidc_issuer or 'production'}); get a token from the identity provider",
            file=sys.stderr,
        )
        return 1
    role = Role(args.role)
    if role is Role.EMPLOYER and args.kvk is None:
        print("ledger: an employer token needs the employer's KvK number (--kvk NUMBER)", file=sys.stderr)
        return 2
    tokens = DevelopmentTokens(settings)
    print(tokens.issue(role=role, sub=args.sub or f"dev-{role.value}", kvk=args.kvk, ttl_s=args.ttl))
    return 0


def _check_start_up(settings: Settings) -> None:
    # The same checks the lifespan makes, before binding the port: the CLI turns their errors into exit status 1.
    token_verifier(settings)
    with open_ledger(settings):
        pass


def _number(parse: Callable[[str], int], low: int, high: int, what: str) -> Callable[[str], int]:
    def check(text: str) -> int:
        try:
            value = parse(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what}: {text}")
        return value

    check.__name__ = what  # argparse names the type in its errors
    return check


_port = _number(int, 1, 65535, "a TCP port (1-65535)")
_positive_int = _number(int, 1, 10 * 365 * 86400, "a positive number of seconds")


def _kvk_number(text: str) -> str:
    if len(text) != 8 or not text.isdigit():
        msg = f"a KvK number has 8 digits: {text}"
        raise argparse.ArgumentTypeError(msg)
    return text
