"""The ``humangate`` command."""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
from collections.abc import Sequence
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from humangate.crypto.tokens import generate_secret

DESCRIPTION = """\
humangate puts a browser check in front of a Python web app: each request is passed,
challenged or blocked by your rules. These commands help you try it, configure it and
see what it does."""


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _demo(args: argparse.Namespace) -> int:
    from humangate.adapters.wsgi import HumanGate  # noqa: PLC0415 - keep keygen light
    from humangate.demo import demo_app, demo_config  # noqa: PLC0415

    # Without --difficulty, the default policy (per action, with risk steps) applies.
    config = demo_config(args.difficulty)
    app = HumanGate(demo_app, config)
    try:
        server = make_server(args.host, args.port, app, server_class=_ThreadingWSGIServer)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"humangate demo: port {args.port} on {args.host} is already in use (another "
            f"demo or server?). Stop it, or pick a free port: humangate demo --port "
            f"{args.port + 1}",
            file=sys.stderr,
        )
        return 2
    with server:
        print(f"humangate demo on http://{args.host}:{args.port}/ ; Ctrl+C to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


def _keygen(_: argparse.Namespace) -> int:
    print(generate_secret())
    return 0


def build_parser() -> argparse.ArgumentParser:
    from humangate import __version__  # noqa: PLC0415

    parser = argparse.ArgumentParser(
        prog="humangate",
        description=DESCRIPTION,
        epilog="Run `humangate COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"humangate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="run a small example site behind the gate, to see a challenge in your browser",
        description="Serve an example site behind the gate (temporary key, not for "
        "production) and open it in a browser.",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument(
        "--difficulty", type=int, default=None, help="proof-of-work bits for every challenge"
    )
    demo.set_defaults(handler=_demo)
    keygen = commands.add_parser(
        "keygen",
        help="print a new random secret key for the secret_keys setting",
        description="Print a new random secret key. Keep it in your environment "
        "(HUMANGATE_SECRET_KEYS) or your settings; never commit it.",
    )
    keygen.set_defaults(handler=_keygen)
    from humangate.cli import stats as cli_stats  # noqa: PLC0415 - keep `keygen` import-light

    cli_stats.add_parser(commands)
    from humangate.cli.rules import add_commands  # noqa: PLC0415 - rules, bots, tokens

    add_commands(commands)
    from humangate.cli import template as cli_template  # noqa: PLC0415 - `template check`

    cli_template.add_parser(commands)
    from humangate.cli import config_check  # noqa: PLC0415 - `config check`

    config_check.add_parser(commands)
    from humangate.cli import pat as cli_pat  # noqa: PLC0415 - `pat fetch-keys`

    cli_pat.add_parser(commands)
    from humangate.cli import sitekey  # noqa: PLC0415 - `sitekey create|list|rotate`

    sitekey.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
