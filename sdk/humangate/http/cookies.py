"""The clearance cookie's Set-Cookie lines (``__Host-`` prefixed over HTTPS)."""

from __future__ import annotations


class CookieJar:
    """Formats the clearance cookie's Set-Cookie lines for one configuration."""

    __slots__ = ("_host_name", "_max_age", "_name", "_samesite", "_secure")

    def __init__(self, name: str, secure: bool | None, samesite: str, max_age: int) -> None:
        self._name = name
        # __Host- makes browsers refuse the cookie unless Secure, Path=/ and host-only.
        self._host_name = f"__Host-{name}"
        self._secure = secure
        self._samesite = samesite
        self._max_age = max_age

    def is_secure(self, scheme: str) -> bool:
        return self._secure if self._secure is not None else scheme in ("https", "wss")

    def name_for(self, scheme: str) -> str:
        return self._host_name if self.is_secure(scheme) else self._name

    def set(self, scheme: str, value: str, max_age: int | None = None) -> tuple[str, str]:
        """``max_age``: when the clearance must outlive the usual (a detection result)."""
        age = self._max_age if max_age is None else max(max_age, self._max_age)
        return ("set-cookie", self._line(scheme, value, age))

    def clear(self, scheme: str) -> tuple[str, str]:
        return ("set-cookie", self._line(scheme, "", 0))

    def _line(self, scheme: str, value: str, max_age: int) -> str:
        parts = [f"{self.name_for(scheme)}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly"]
        parts.append(f"SameSite={self._samesite}")
        if self.is_secure(scheme):
            parts.append("Secure")
        return "; ".join(parts)
