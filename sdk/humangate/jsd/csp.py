"""How the detection script fits the response's Content-Security-Policy.

The script is always an *external*, same-origin ``<script src defer>``: never inline.
Every policy the response carries is read, enforced (``Content-Security-Policy``) and
report-only alike (a report-only refusal is still a console error and a report), each
header line possibly holding several comma-separated policies. The tag is placed only
when *every* policy allows, without a single change to any header:

- the script: ``script-src-elem``, else ``script-src``, else ``default-src`` must match
  it by a nonce we can carry (the one the policy lists: humangate reuses it) or, when
  the list has no ``'strict-dynamic'``, by ``'self'``, ``*``, a scheme or a host source;
  hashes cannot allow an external script without SRI, so a hash-only list refuses;
- the detection post: ``connect-src``, else ``default-src``, must allow same-origin;
- Workers (the script's page-vs-Worker checks): ``worker-src``, ``child-src``,
  ``script-src``, ``default-src`` must allow same-origin URLs without ``'strict-dynamic'``,
  and no ``require-trusted-types-for``; otherwise the script runs without Workers;
- a ``sandbox`` directive (scripts may not run) refuses.

:func:`placement` returns how to place the tag, or None: inject nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SCRIPT = ("script-src-elem", "script-src", "default-src")
_CONNECT = ("connect-src", "default-src")
_WORKER = ("worker-src", "child-src", "script-src", "default-src")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Placement:
    """How the tag goes in: with this ``nonce`` attribute (None: none), and whether the
    script may start Workers under the page's policy."""

    nonce: str | None = None
    workers: bool = True


@dataclass(frozen=True, slots=True)
class Origin:
    """The page's own origin and the script's path, as the policy is matched against."""

    scheme: str
    host: str  # lower-case, no port
    port: int
    path: str

    @classmethod
    def of(cls, scheme: str, host_header: str, path: str) -> Origin:
        scheme = scheme.lower() if scheme in ("http", "https") else "http"
        host, port = _split_host(host_header.strip().lower())
        return cls(scheme, host, port or _DEFAULT_PORTS[scheme], path)


Policy = dict[str, tuple[str, ...]]  # directive name -> its source list


def parse(headers: Iterable[str]) -> list[Policy]:
    """Every policy in these header values (one header may hold several, comma-joined)."""
    policies: list[Policy] = []
    for value in headers:
        for text in value.split(","):
            policy: Policy = {}
            for directive in text.split(";"):
                tokens = directive.split()
                if not tokens:
                    continue
                name = tokens[0].lower()
                if name not in policy:  # a repeated directive: the first one counts
                    policy[name] = tuple(tokens[1:])
            if policy:
                policies.append(policy)
    return policies


def placement(
    enforced: Sequence[str],
    report_only: Sequence[str],
    origin: Origin,
    nonce_hint: str | None = None,
) -> Placement | None:
    """Where the policies leave room for the script (see the module), or None."""
    policies = parse([*enforced, *report_only])
    if not policies:
        return Placement(nonce_hint)
    if any("sandbox" in policy for policy in parse(enforced)):
        return None
    scripts = [found for policy in policies if (found := _effective(policy, _SCRIPT))]
    nonce = _choose_nonce(scripts, origin, nonce_hint)
    if nonce is False:
        return None
    for policy in policies:
        connect = _effective(policy, _CONNECT)
        if connect is not None and not _allows_url(connect, origin, script=False):
            return None
    workers = all(_allows_workers(policy, origin) for policy in policies)
    return Placement(nonce if isinstance(nonce, str) else None, workers)


def _effective(policy: Policy, chain: Sequence[str]) -> tuple[str, ...] | None:
    for name in chain:
        if name in policy:
            return policy[name]
    return None


def _choose_nonce(
    scripts: list[tuple[str, ...]], origin: Origin, hint: str | None
) -> str | bool | None:
    """None: no nonce needed; a nonce every list allows; False: no way in."""
    if all(_allows_url(sources, origin, script=True) for sources in scripts):
        return hint  # allowed anyway; a nonce the page uses does no harm
    candidates = [hint] if hint else []
    for sources in scripts:
        for source in sources:
            nonce = _nonce_of(source)
            if nonce is not None and nonce not in candidates:
                candidates.append(nonce)
    for nonce in candidates:
        if all(
            _allows_url(sources, origin, script=True) or _nonce_listed(sources, nonce)
            for sources in scripts
        ):
            return nonce
    return False


def _nonce_of(source: str) -> str | None:
    if source.lower().startswith("'nonce-") and source.endswith("'") and len(source) > 8:
        return source[7:-1]
    return None


def _nonce_listed(sources: tuple[str, ...], nonce: str) -> bool:
    return any(_nonce_of(source) == nonce for source in sources)


def _allows_workers(policy: Policy, origin: Origin) -> bool:
    if "require-trusted-types-for" in policy:
        return False  # new Worker(url) would need a TrustedScriptURL
    for name in _WORKER:
        if name in policy:
            # Under 'strict-dynamic' a script-src list ignores 'self' and hosts for
            # every script-like request, Workers included.
            return _allows_url(policy[name], origin, script=name in ("script-src", "default-src"))
    return True


def _allows_url(sources: tuple[str, ...], origin: Origin, *, script: bool) -> bool:
    """Whether a same-origin URL (``origin``) matches this source list by location."""
    lowered = [source.lower() for source in sources]
    if script and "'strict-dynamic'" in lowered:
        return False
    for source in lowered:
        if source == "'self'":
            return True
        if source == "*":
            return True
        if source.endswith(":") and "/" not in source:  # a scheme source, "https:"
            scheme = source[:-1]
            if scheme == origin.scheme or (scheme == "http" and origin.scheme == "https"):
                return True
        elif not source.startswith("'") and _host_matches(source, origin):
            return True
    return False


def _host_matches(source: str, origin: Origin) -> bool:
    scheme, sep, rest = source.partition("://")
    if not sep:
        scheme, rest = "", source
    elif scheme != origin.scheme and not (scheme == "http" and origin.scheme == "https"):
        return False
    hostport, slash, path = rest.partition("/")
    host, port = _split_host(hostport)
    if host.startswith("*."):
        if not origin.host.endswith(host[1:]):
            return False
    elif host != origin.host:
        return False
    if port == -1:  # ":*"
        pass
    elif port is not None:
        if port != origin.port:
            return False
    elif origin.port != _DEFAULT_PORTS[scheme or origin.scheme]:
        return False
    if slash and path:
        wanted = "/" + path
        return origin.path.startswith(wanted) if wanted.endswith("/") else origin.path == wanted
    return True


def _split_host(text: str) -> tuple[str, int | None]:
    """("example.com", 8000) from "example.com:8000"; port -1 for ":*"; IPv6 kept whole."""
    if text.startswith("["):
        end = text.find("]")
        host, rest = text[: end + 1], text[end + 1 :]
    else:
        host, _, port_text = text.partition(":")
        rest = ":" + port_text if port_text else ""
    if rest.startswith(":"):
        port_text = rest[1:]
        if port_text == "*":
            return host, -1
        return host, int(port_text) if port_text.isdigit() else None
    return host, None
