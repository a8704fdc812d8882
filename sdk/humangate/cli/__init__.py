"""The ``humangate`` command."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from humangate.crypto.tokens import generate_secret


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _demo(args: argparse.Namespace) -> int:
    from humangate.adapters.wsgi import HumanGate  # noqa: PLC0415
    from humangate.config import Config  # noqa: PLC0415 - keep `keygen` import-light
    from humangate.demo import demo_app  # noqa: PLC0415

    # Without --difficulty, the default policy (per action, with risk steps) applies.
    extra = {} if args.difficulty is None else {"difficulty": args.difficulty}
    config = Config(dev_mode=True, **extra)
    app = HumanGate(demo_app, config)
    with make_server(args.host, args.port, app, server_class=_ThreadingWSGIServer) as server:
        print(
            f"humangate demo on http://{args.host}:{args.port}/ (store {config.store}); "
            "Ctrl+C to stop",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


def _keygen(_: argparse.Namespace) -> int:
    print(generate_secret())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="humangate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="serve an example app behind the gate")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument(
        "--difficulty", type=int, default=None, help="proof-of-work bits for every challenge"
    )
    demo.set_defaults(handler=_demo)
    keygen = commands.add_parser("keygen", help="print a new secret for secret_keys")
    keygen.set_defaults(handler=_keygen)
    from humangate.cli import stats as cli_stats  # noqa: PLC0415 - keep `keygen` import-light

    cli_stats.add_parser(commands)
    from humangate.cli.rules import add_commands  # noqa: PLC0415 - rules, bots, tokens

    add_commands(commands)
    from humangate.cli import template as cli_template  # noqa: PLC0415 - `template check`

    cli_template.add_parser(commands)
    from humangate.cli import sitekey  # noqa: PLC0415 - `sitekey create|list|rotate`

    sitekey.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
