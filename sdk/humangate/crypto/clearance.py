"""The clearance cookie: proof that this client solved a challenge of some level.

It is a sealed token (see :mod:`humangate.crypto.tokens`) holding the level, the
proof-of-work paid for it (difficulty bits), issue and expiry times, a random id, and a
*binding*: a keyed hash of the client's network (IPv4 /24 and IPv6 /64 by default) and
User-Agent. Verifying it is one AEAD open and a few comparisons: no store is touched on
the pass path.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass

from humangate.client.ip import IPAddress
from humangate.crypto.tokens import KeyRing, same_text
from humangate.errors import ConfigError, TokenError
from humangate.immutable import immutable
from humangate.levels import Level

PURPOSE = "clearance"
MAX_COOKIE_BYTES = 4096
OPENED_CACHE_SIZE = 4096
"""Authentic cookie values kept decrypted per process, so a returning visitor's request
costs a dict lookup instead of an AEAD open (the time and binding checks still run)."""


@dataclass(frozen=True, slots=True)
class Binding:
    """How tightly a clearance is tied to the client that earned it.

    Prefix lengths default to a /24 for IPv4 and a /64 for IPv6 so that mobile and CGNAT
    users are not re-challenged when their address moves within their network; 32/128
    binds to the exact address. ``user_agent`` also ties it to the browser.
    """

    ipv4_prefix: int = 24
    ipv6_prefix: int = 64
    user_agent: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.ipv4_prefix <= 32:
            raise ConfigError("clearance_binding.ipv4_prefix", "must be 0..32")
        if not 0 <= self.ipv6_prefix <= 128:
            raise ConfigError("clearance_binding.ipv6_prefix", "must be 0..128")

    def fingerprint(self, client_ip: IPAddress | None, user_agent: str) -> str:
        """A short digest of the client's network and browser (never the raw values)."""
        ua = user_agent if self.user_agent else ""
        return _fingerprint(self.ipv4_prefix, self.ipv6_prefix, client_ip, ua)


@functools.lru_cache(maxsize=4096)
def _fingerprint(ipv4_prefix: int, ipv6_prefix: int, client_ip: IPAddress | None, ua: str) -> str:
    # Cached: returning visitors ask for the same digest on every request.
    if client_ip is None:
        network = "unknown"
    else:
        # Mask the address as an integer: the same network as ip_network(..., strict=False)
        # at a fraction of the cost.
        bits = 32 if client_ip.version == 4 else 128
        prefix = ipv4_prefix if bits == 32 else ipv6_prefix
        network = f"v{client_ip.version}/{prefix}/{int(client_ip) >> (bits - prefix)}"
    digest = hashlib.sha256(f"{network}\x00{ua}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Clearance:
    level: Level
    issued_at: int
    expires_at: int
    binding: str
    id: str
    score: int = 99
    js_passed: bool | None = None
    pat: bool = False  # earned with a valid Private Access Token (humangate.pat)
    work: int = 0
    """The difficulty (leading zero bits) of the proof of work paid for it."""
    js_until: int = 0
    """When a JavaScript Detections result (humangate.jsd) stops counting; 0: the
    result came with a solved challenge and lasts as long as the clearance."""

    def js_detection_passed(self, now: float) -> bool:
        """``cf.bot_management.js_detection.passed``: a passing result, still current."""
        return self.js_passed is True and (not self.js_until or now <= self.js_until)


@immutable  # built for every challenged request
class Requirement:
    """What a clearance must show to pass a challenge action: at least this level, and
    at least this much work paid (the action's or rule's base difficulty). A clearance
    bought cheaply (a low-difficulty challenge at the same or a higher level) does not
    pass a route whose owner asked for more work: it is challenged again at that work.
    """

    level: Level
    work: int = 0

    def met_by(self, clearance: Clearance | None) -> bool:
        return (
            clearance is not None and clearance.level >= self.level and clearance.work >= self.work
        )


class ClearanceCodec:
    """Issues and checks clearance cookie values."""

    __slots__ = ("_keys", "_opened", "_skew", "_ttl", "_xhr_grace")

    def __init__(self, keys: KeyRing, ttl: int, skew: int, xhr_grace: int) -> None:
        self._keys = keys
        self._opened: dict[str, Clearance] = {}
        self._ttl = ttl
        self._skew = skew
        self._xhr_grace = xhr_grace

    def issue(
        self,
        level: Level,
        binding: str,
        now: float,
        *,
        score: int = 99,
        js_passed: bool | None = None,
        pat: bool = False,
        work: int = 0,
    ) -> tuple[Clearance, str]:
        clearance = Clearance(
            level=level,
            issued_at=int(now),
            expires_at=int(now) + self._ttl,
            binding=binding,
            id=secrets.token_hex(8),
            score=score,
            js_passed=js_passed,
            pat=pat,
            work=work,
        )
        return clearance, self.seal(clearance)

    def seal(self, clearance: Clearance) -> str:
        """The cookie value of ``clearance`` as given (JavaScript Detections refreshes a
        held clearance's result this way, its level, lifetime and id unchanged)."""
        payload = {
            "l": int(clearance.level),
            "i": clearance.issued_at,
            "e": clearance.expires_at,
            "b": clearance.binding,
            "u": clearance.id,
            "s": clearance.score,
            "j": clearance.js_passed,
            "w": clearance.work,
            # Only when set: the common cookie stays as short.
            **({"p": 1} if clearance.pat else {}),
            **({"jx": clearance.js_until} if clearance.js_until else {}),
        }
        return self._keys.seal(PURPOSE, payload)

    def verify(
        self, value: str, binding: str, now: float, *, background: bool = False
    ) -> Clearance | None:
        """The clearance if ``value`` is authentic, current and bound to this client."""
        clearance = self.bound(value, binding)
        if clearance is None or not self.is_current(clearance, now, background=background):
            return None
        return clearance

    def bound(self, value: str, binding: str) -> Clearance | None:
        """The clearance if ``value`` is authentic and bound to this client, current or
        not. The answer depends on nothing but the arguments, so a caller may keep it;
        whether it is still current it must check each time (:meth:`is_current`,
        :meth:`lifetime`)."""
        clearance = self._opened.get(value)
        if clearance is None:
            clearance = self._open(value)
        if clearance is None or not same_text(clearance.binding, binding):
            return None
        return clearance

    def authentic(self, value: str) -> Clearance | None:
        """The clearance in ``value`` if it is authentic, whoever it is bound to (the
        detection endpoint tells a foreign clearance from a broken cookie with it)."""
        return self._opened.get(value) or self._open(value)

    def js_current(self, clearance: Clearance, now: float) -> bool:
        """Whether a JavaScript Detections result it carries still counts at ``now``."""
        return bool(clearance.js_until) and now <= clearance.js_until + self._skew

    def is_current(self, clearance: Clearance, now: float, *, background: bool = False) -> bool:
        """Whether ``clearance`` is within its lifetime at ``now``."""
        not_before, not_after = self.lifetime(clearance, background=background)
        return not_before <= now <= not_after

    def lifetime(self, clearance: Clearance, *, background: bool = False) -> tuple[int, int]:
        """The first and last second ``clearance`` is accepted: its own lifetime widened
        by the clock skew allowed, plus the grace XHR/fetch requests get past expiry."""
        grace = self._skew + (self._xhr_grace if background else 0)
        return clearance.issued_at - self._skew, clearance.expires_at + grace

    def _open(self, value: str) -> Clearance | None:
        """Decrypt ``value``; remember it only if it is authentic (the key is the whole
        sealed value, so a cache entry can never be reached by a forged cookie)."""
        if len(value) > MAX_COOKIE_BYTES:
            return None
        try:
            payload = self._keys.open(PURPOSE, value)
            clearance = Clearance(
                level=Level(payload["l"]),
                issued_at=int(payload["i"]),
                expires_at=int(payload["e"]),
                binding=str(payload["b"]),
                id=str(payload["u"]),
                score=int(payload["s"]),
                js_passed=payload["j"] if isinstance(payload["j"], bool) else None,
                pat=payload.get("p") == 1,
                work=int(payload["w"]),
                js_until=int(payload.get("jx", 0)),
            )
        except (TokenError, KeyError, TypeError, ValueError):
            return None
        if len(self._opened) >= OPENED_CACHE_SIZE:
            self._opened.clear()  # bounded; dropping all is cheaper than tracking age
        self._opened[value] = clearance
        return clearance
