"""``humangate sitekey create|list|rotate``: widget sitekeys for a TOML configuration.

Sitekeys live in the configuration (``[[sitekeys]]`` tables), so these commands print
what to put there rather than editing files: ``create`` a new sitekey and secret,
``list`` the sitekeys a config file defines (secrets never printed), ``rotate`` a new
secret to put first while the old ones keep working until you remove them.
"""

from __future__ import annotations

import argparse
import json
import secrets
from typing import TYPE_CHECKING

from humangate.errors import ConfigError

if TYPE_CHECKING:
    from humangate.turnstile.sitekeys import Sitekey

SITEKEY_PREFIX = "0x4AAAAAAA"


def new_sitekey() -> str:
    return SITEKEY_PREFIX + secrets.token_urlsafe(12).replace("-", "A").replace("_", "B")


def new_secret() -> str:
    return SITEKEY_PREFIX + secrets.token_urlsafe(24)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def _create(args: argparse.Namespace) -> int:
    from humangate.turnstile.sitekeys import Sitekey  # noqa: PLC0415 - validates the table

    sitekey, secret = new_sitekey(), new_secret()
    hostnames = list(args.hostname or [])
    try:
        Sitekey(sitekey, [secret], hostnames, args.mode, args.clearance_level)
    except ConfigError as exc:
        print(f"humangate sitekey create: {exc}")
        return 2
    print("[[sitekeys]]")
    print(f"sitekey = {json.dumps(sitekey)}")
    print(f"secrets = {_toml_list([secret])}  # keep out of version control")
    print(f"hostnames = {_toml_list(hostnames)}")
    print(f"mode = {json.dumps(args.mode)}")
    print(f"clearance_level = {json.dumps(args.clearance_level)}")
    return 0


def _load(path: str) -> list[Sitekey] | None:
    from humangate.config import Config  # noqa: PLC0415 - only these commands need it

    try:
        return list(Config.from_toml(path).sitekeys)
    except ConfigError as exc:
        print(f"{path}: {exc}")
        return None


def _list(args: argparse.Namespace) -> int:
    keys = _load(args.config)
    if keys is None:
        return 1
    if not keys:
        print(f"{args.config}: no sitekeys")
    for key in keys:
        print(
            f"{key.sitekey}  mode={key.mode}  clearance={key.clearance_level}  "
            f"secrets={len(key.secrets)}  hosts={','.join(key.hostnames) or '*'}"
        )
    return 0


def _rotate(args: argparse.Namespace) -> int:
    keys = _load(args.config)
    if keys is None:
        return 1
    found = next((k for k in keys if k.sitekey == args.sitekey), None)
    if found is None:
        print(f"{args.config}: no sitekey {args.sitekey}")
        return 1
    rotated = [new_secret(), *found.secrets]
    print(f"# {args.sitekey}: the new secret first; remove the old ones once every backend")
    print("# uses the new one (both verify meanwhile).")
    print(f"secrets = {_toml_list(rotated)}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sitekey = commands.add_parser("sitekey", help="create, list or rotate widget sitekeys")
    actions = sitekey.add_subparsers(dest="sitekey_command", required=True)
    create = actions.add_parser("create", help="print a new [[sitekeys]] table")
    create.add_argument("--hostname", action="append", help="a host that may embed the widget")
    create.add_argument("--mode", default="managed", help="managed, non-interactive, invisible")
    create.add_argument(
        "--clearance-level",
        default="no_clearance",
        help="no_clearance, jschallenge, managed, interactive (pre-clearance)",
    )
    create.set_defaults(handler=_create)
    listing = actions.add_parser("list", help="the sitekeys a TOML config defines")
    listing.add_argument("config", help="path of the TOML configuration")
    listing.set_defaults(handler=_list)
    rotate = actions.add_parser("rotate", help="a new secret to put first for a sitekey")
    rotate.add_argument("config", help="path of the TOML configuration")
    rotate.add_argument("sitekey")
    rotate.set_defaults(handler=_rotate)
