"""Owner-supplied challenge page templates (Cloudflare's "Custom Challenge Pages").

The owner writes a whole HTML page with ``::CF_WIDGET_BOX::`` exactly once in its body
(the legacy ``::CAPTCHA_BOX::`` and ``::IM_UNDER_ATTACK_BOX::`` mean the same); humangate
puts its widget (status, progress, help, the runtime script) there. ``::CLIENT_IP::``,
``::RAY_ID::`` and ``::GEO::`` are filled in escaped, and ``::NONCE::`` with this
response's CSP nonce so the owner's own ``<script nonce="::NONCE::">`` (analytics) runs.

The template is checked once, when the Config is built; the page's Content-Security-Policy
header stays humangate's own, so nothing in a template can loosen it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from humangate.errors import HumanGateError

WIDGET_TOKENS = ("::CF_WIDGET_BOX::", "::CAPTCHA_BOX::", "::IM_UNDER_ATTACK_BOX::")
VALUE_TOKENS = ("::CLIENT_IP::", "::RAY_ID::", "::GEO::", "::NONCE::")
MAX_TEMPLATE_BYTES = 512 * 1024

_HEAD_OPEN = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HEAD_CLOSE = re.compile(r"</head\s*>", re.IGNORECASE)
_ICON_LINK = re.compile(r"<link\b[^>]*\brel\s*=\s*[\"']?[^\"'>]*\bicon\b", re.IGNORECASE)
# What the runtime owns: its element ids, and the option global Cloudflare reserves too.
_RESERVED = (
    (re.compile(r"\bid\s*=\s*[\"']?humangate-", re.IGNORECASE), "an element id starting with "
     "'humangate-' (those ids belong to the challenge widget)"),
    (re.compile(r"_cf_chl_opt"), "window._cf_chl_opt (the challenge runtime's options "
     "object; do not define it)"),
    (re.compile(r"<meta\b[^>]*http-equiv\s*=\s*[\"']?content-security-policy", re.IGNORECASE),
     "a <meta http-equiv=\"Content-Security-Policy\"> (the page sends its own policy "
     "header; a second policy would block the challenge)"),
)  # fmt: skip


class TemplateError(HumanGateError, ValueError):
    """A custom challenge template breaks a rule; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class CustomTemplate:
    """A checked template, split around its widget box."""

    source: str
    before: str
    after: str
    has_icon: bool

    def render(
        self, *, widget: str, head_extra: str, client_ip: str, ray: str, geo: str, nonce: str
    ) -> str:
        """The page: tokens filled (escaped), ``widget`` at the box, ``head_extra`` in <head>."""
        values = {
            "::CLIENT_IP::": html.escape(client_ip),
            "::RAY_ID::": html.escape(ray),
            "::GEO::": html.escape(geo),
            "::NONCE::": html.escape(nonce),
        }
        before, after = _fill(self.before, values), _fill(self.after, values)
        head = _HEAD_OPEN.search(before)
        if head is not None:  # always true for a checked template; keeps mypy honest
            before = before[: head.end()] + head_extra + before[head.end() :]
        return before + widget + after


def check_template(text: str) -> list[str]:
    """Every rule ``text`` breaks, in plain words (empty when it is fine)."""
    surrogate = _first_surrogate(text)
    if surrogate is not None:
        # Nothing else can be checked: the page could never be sent as UTF-8.
        return [
            f"character {surrogate} is a lone surrogate (U+{ord(text[surrogate]):04X}), "
            "which is not text; save the template as UTF-8"
        ]
    problems: list[str] = []
    if len(text.encode("utf-8")) > MAX_TEMPLATE_BYTES:
        problems.append(f"the template is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    head = _HEAD_OPEN.search(text)
    if head is None:
        problems.append("no <head> tag: the page needs one (humangate adds its styles there)")
    found = [(match.start(), token) for token in WIDGET_TOKENS for match in _find(text, token)]
    if not found:
        problems.append("no widget box: put ::CF_WIDGET_BOX:: in the <body>, exactly once")
    elif len(found) > 1:
        names = ", ".join(token for _, token in sorted(found))
        problems.append(
            f"the widget box appears {len(found)} times ({names}); it must appear exactly once"
        )
    elif head is not None:
        position, token = found[0]
        close = _HEAD_CLOSE.search(text)
        if position < head.end() or (close is not None and position < close.start()):
            problems.append(f"{token} is inside <head>; it must be in the <body>")
    for pattern, what in _RESERVED:
        if pattern.search(text):
            problems.append(f"the template contains {what}")
    return problems


def parse_template(text: str) -> CustomTemplate:
    """Check ``text`` and split it at the widget box; raises :class:`TemplateError`."""
    problems = check_template(text)
    if problems:
        raise TemplateError(problems)
    token = next(token for token in WIDGET_TOKENS if token in text)
    before, _, after = text.partition(token)
    return CustomTemplate(text, before, after, bool(_ICON_LINK.search(text)))


def read_template(value: str) -> str:
    """``value`` itself when it is HTML (contains ``<``), else the file it names."""
    if "<" in value:
        return value
    if "\0" in value:
        # Not HTML and not a path the OS can open (Path would raise a bare ValueError).
        position = value.index("\0")
        raise TemplateError(
            [f"not HTML (no '<') and not a file path: NUL character at character {position}"]
        )
    try:
        return Path(value).read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError([f"cannot read {value}: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise TemplateError([f"{value} is not UTF-8 text"]) from None
    except ValueError:  # a lone surrogate the file system cannot encode
        where = _first_surrogate(value)
        raise TemplateError(
            [f"not HTML (no '<') and not a usable file path (character {where})"]
        ) from None


def _first_surrogate(text: str) -> int | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _find(text: str, token: str) -> list[re.Match[str]]:
    return list(re.finditer(re.escape(token), text))


def _fill(text: str, values: dict[str, str]) -> str:
    for token, value in values.items():
        text = text.replace(token, value)
    return text
