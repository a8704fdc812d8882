"""``humangate config check FILE``: what the gate would refuse or warn about at start-up,
before a deployment: every setting validated, the store opened and (Redis) reached."""

from __future__ import annotations

import argparse
from typing import Any

from humangate.cli.rules import guarded


def _check(args: argparse.Namespace) -> int:
    from humangate.config import Config  # noqa: PLC0415 - keep the CLI import-light
    from humangate.config.startup import check_store  # noqa: PLC0415
    from humangate.stores._validation import redact_uri  # noqa: PLC0415

    config = Config.from_toml(args.config)
    warning = check_store(config)
    print(f"{args.config}: settings OK")
    if warning is not None:
        print(f"warning: {warning}")
        return 1
    print(f"store {redact_uri(config.store)}: usable")
    return 0


def add_parser(commands: Any) -> None:
    """Register ``config check`` on ``humangate``'s subcommands."""
    config = commands.add_parser("config", help="check a configuration file before deploying it")
    sub = config.add_subparsers(dest="config_command", required=True)
    check = sub.add_parser(
        "check",
        help="validate every setting and try the store, as the gate does at start-up",
        description="Exit 0: usable; 1: usable with a warning (an unreachable Redis); "
        "2: an error the gate would refuse to start with.",
    )
    check.add_argument("config", help="a humangate TOML config")
    check.set_defaults(handler=guarded(_check))
