"""MkDocs hook: the configuration reference page, generated from ``humangate.Config``.

Names, types and defaults come from the dataclass itself, so the page cannot drift from
the code; the one-line descriptions below are checked against the fields both ways by
tests/test_docs_site.py (a new setting without a description fails the tests).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from mkdocs.structure.files import File

from humangate import Config

DESCRIPTIONS = {
    "secret_keys": "Secrets that seal tickets and clearance cookies, newest first "
    "(`humangate keygen`); older ones still open what they sealed, for rotation.",
    "passage_ttl": "How long a clearance lasts (seconds or a timedelta).",
    "trusted_proxies": "Proxies allowed to set `X-Forwarded-For`: a list of CIDRs, or a hop count.",
    "trusted_proxy_peers": "With a hop count: the networks of your proxies; `X-Forwarded-For` "
    "is read only from peers in them.",
    "store": "Where spent tickets and counters live: `memory://`, `sqlite:///path` or "
    "`redis://host` (see Storage).",
    "default_action": "What happens to a request no rule decided: `allow`, `block` or a "
    "challenge action.",
    "rules": "Custom rules in the Cloudflare rules language, in order (`Rule` objects or tables).",
    "lists": "Named lists (`$name`) that rules can test with `in`.",
    "clearance_binding": "What a clearance is bound to: the IPv4/IPv6 prefix and the User-Agent.",
    "path_prefix": "Where humangate serves its scripts, challenge and solve endpoints.",
    "cookie_name": "The clearance cookie's name (`__Host-` is added on https).",
    "cookie_secure": "Force the cookie's `Secure` flag on or off; unset follows the scheme.",
    "cookie_samesite": "The cookie's `SameSite`: `Lax`, `Strict` or `None`.",
    "difficulty": "Proof-of-work bits: one number, or a `Difficulty` per action with risk "
    "and load steps.",
    "ticket_ttl": "How long a challenge may take before it expires.",
    "clock_skew": "Grace for clocks that disagree between your servers.",
    "xhr_grace": "Extra time a clearance stays valid for fetch/XHR requests of an open page.",
    "max_solve_body": "Largest solve submission accepted, in bytes.",
    "replay_max_body": "Largest challenged form POST held and sent again after the "
    "challenge, in bytes (0: never hold).",
    "dev_mode": "Local demos only: run without a secret (an ephemeral one is made).",
    "ip_access_rules": "IP, network, ASN or country rules evaluated before custom rules.",
    "rate_limits": "Rate limiting rules: count matching requests, then block or challenge.",
    "under_attack": "Challenge every request at least with a managed challenge.",
    "geoip_country_db": "Path of a MaxMind country database, for `ip.src.country`.",
    "geoip_asn_db": "Path of a MaxMind ASN database, for `ip.src.asnum`.",
    "country_header": "A header your CDN sets with the client's country (e.g. `cf-ipcountry`).",
    "verified_bots": "Recognise verified search engine crawlers by their published IP ranges.",
    "bots_file": "Your own crawler IP list, written by `humangate bots refresh`.",
    "revoked_service_tokens": "Service tokens that no longer let their holder through.",
    "challenge_steps": "Extra challenge steps (plugins) per challenge action.",
    "language": "Force one language on challenge pages instead of the visitor's.",
    "challenge_template": "Your own challenge page: HTML text or a file path.",
    "favicon": "The icon challenge pages show: a file path or bytes.",
    "metrics_token": "Bearer token that opens the metrics and dashboard endpoints.",
    "metrics_allow": "Networks that may read metrics and the dashboard without a token.",
    "log_client_ip": "Put the full client IP into security events.",
    "analytics": "Count decisions for the dashboard and `humangate stats`.",
    "analytics_flush_seconds": "How often each process writes its counts to the store.",
    "store_failure": "A store outage during a solve: `closed` answers 503, `open` accepts "
    "the solve unrecorded.",
    "rate_limit_store_failure": "A store outage for rate limits: `open` lets requests "
    "through, `closed` treats them as over the limit.",
    "store_check": "At start-up, an unreachable Redis is a `warn`ing or an `error`; `off` "
    "skips the start-up checks.",
    "private_access_tokens": "Trusted Private Access Token issuers: `PatIssuer` entries or "
    "paths of `humangate pat fetch-keys` files.",
    "pat_policy": "What a valid Private Access Token changes (`PatPolicy`).",
    "uri_normalization": "How paths are normalised before rules: `cloudflare`, `rfc3986` or "
    "`off` (a path not in normal form is redirected to it).",
    "sitekeys": "Sitekeys of the Turnstile-compatible widget (`humangate.turnstile.Sitekey`).",
    "js_detections": "Inject the JavaScript Detections script into HTML pages (see "
    "JavaScript Detections); off by default.",
    "js_detections_paths": "Only these paths get the script (wildcards, `/shop/*`); empty: "
    "every HTML page.",
    "js_detections_expression": "Only requests matching this rules expression get the script.",
}


def public_fields() -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(Config) if f.init]


def _default(item: dataclasses.Field[Any]) -> str:
    if item.default is not dataclasses.MISSING:
        value = item.default
    elif item.default_factory is not dataclasses.MISSING:
        if item.name == "store":
            return "one SQLite file per app in the temp directory"
        value = item.default_factory()
    else:
        return "required"
    if value in ((), {}, None):
        return "unset" if value is None else "empty"
    return f"`{value!r}`"


def _accepted_type(item: dataclasses.Field[Any]) -> str:
    """What the setting accepts: for a normalising descriptor (config/normalised.py), the
    value type of its ``__set__``, as mypy reads it; else the field's annotation."""
    setter = getattr(type(vars(Config).get(item.name)), "__set__", None)
    if setter is None:
        return str(item.type)
    return str(inspect.signature(setter).parameters["value"].annotation)


def render() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Every setting of `humangate.Config`, generated from the code. The same names are",
        "the keys of a TOML `[humangate]` table, Flask's `HUMANGATE` dict and Django's",
        "`HUMANGATE` setting. A misspelt name is an error that suggests the right one.",
        "",
        "| setting | type | default | what it does |",
        "|---|---|---|---|",
    ]
    for item in public_fields():
        kind = _accepted_type(item).replace("|", "\\|")
        text = DESCRIPTIONS.get(item.name, "")
        lines.append(f"| `{item.name}` | `{kind}` | {_default(item)} | {text} |")
    return "\n".join(lines) + "\n"


def on_files(files: Any, config: Any) -> Any:
    files.append(File.generated(config, "reference/configuration.md", content=render()))
    return files
