"""The widget's own page, shown inside the iframe api.js creates.

It runs in its own document, so the host page's CSS cannot restyle it and its scripts
cannot reach into it; the frame talks to the page only by ``postMessage`` to the origin
the page declared (a page that lies about its origin never receives the token). A
challenge frame may only be embedded by the sitekey's host names (``frame-ancestors``).
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from ipaddress import ip_address

from humangate.http import answers
from humangate.http.response import Response
from humangate.i18n import catalog, direction
from humangate.pages import script_json
from humangate.turnstile.sitekeys import TestSitekey

THEMES = ("auto", "light", "dark")
SIZES = ("normal", "flexible", "compact")
# Texts the frame script shows as the state changes.
MESSAGES = (
    "working",
    "widget_success",
    "widget_failed",
    "widget_expired",
    "widget_unavailable",
    "interaction_prompt",
    "failure_interaction_required",
    "failure_automated",
    "failure_other_client",
    "retry_button",
)


@dataclass(frozen=True, slots=True)
class FrameSettings:
    """What the page asked for (already validated where it matters)."""

    theme: str
    size: str
    language: str
    origin: str  # the embedding page's origin: where the frame posts its messages
    widget_id: str
    appearance: str = "always"
    execution: str = "render"

    @property
    def safe_theme(self) -> str:
        return self.theme if self.theme in THEMES else "auto"

    @property
    def safe_size(self) -> str:
        return self.size if self.size in SIZES else "normal"


@cache
def _text(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text("utf-8")


def _page(
    settings: FrameSettings,
    prefix: str,
    data: Mapping[str, object],
    *,
    state: str,
    status_key: str,
    status: int = 200,
    ancestors: str = "*",
) -> Response:
    messages = catalog(settings.language)
    nonce = answers.new_nonce()
    ray = answers.new_ray_id()
    island = {
        **data,
        "origin": settings.origin,
        "widget_id": settings.widget_id,
        "execution": settings.execution,
        "appearance": settings.appearance,
        "messages": {key: messages[key] for key in MESSAGES},
    }
    texts = {key: html.escape(value) for key, value in messages.items()}
    body = string.Template(_text("frame.html")).substitute(
        texts,
        lang=html.escape(settings.language),
        dir=direction(settings.language),
        theme=settings.safe_theme,
        size=settings.safe_size,
        nonce=nonce,
        css=_text("frame.css"),
        state=state,
        status=texts[status_key],
        data_json=script_json(island),
        script_url=html.escape(f"{prefix}static/turnstile-frame.js"),
    )
    policy = answers.content_security_policy(nonce).replace(
        "frame-ancestors 'self'", f"frame-ancestors {ancestors}"
    )
    headers = (
        ("content-type", answers.HTML),
        *answers.base_headers(ray),
        ("content-security-policy", policy),
    )
    return Response(status, headers, body.encode("utf-8"))


def frame_ancestors(hostnames: Sequence[str]) -> str:
    """The CSP source list for a sitekey's host names (any port, http and https)."""
    if not hostnames:
        return "*"
    sources = []
    for name in hostnames:
        sources += [f"http://{name}:*", f"https://{name}:*"]
        if not _is_ip(name):
            sources += [f"http://*.{name}:*", f"https://*.{name}:*"]
    return " ".join(sources)


def _is_ip(name: str) -> bool:
    try:
        ip_address(name)
    except ValueError:
        return False
    return True


def challenge_frame(
    settings: FrameSettings,
    prefix: str,
    challenge: Mapping[str, object],
    *,
    visible: bool,
    ancestors: Sequence[str],
) -> Response:
    data = {"kind": "challenge", "visible": visible, "challenge": dict(challenge)}
    return _page(
        settings,
        prefix,
        data,
        state="working",
        status_key="working",
        ancestors=frame_ancestors(ancestors),
    )


def test_frame(settings: FrameSettings, prefix: str, test: TestSitekey) -> Response:
    """A test sitekey's frame: passes, fails or asks for the interaction, as documented."""
    data = {"kind": "test", "visible": test.visible, "test": test.behaviour.value}
    return _page(settings, prefix, data, state="working", status_key="working")


def error(settings: FrameSettings, prefix: str, code: str) -> Response:
    """A frame that only reports ``code`` to the page. Any page may embed it (it holds
    no challenge and nothing to steal), so a page on the wrong host learns why."""
    data = {"kind": "error", "visible": True, "error": code}
    return _page(settings, prefix, data, state="error", status_key="widget_unavailable")


def refused(settings: FrameSettings, prefix: str) -> Response:
    """Verified bots get a 403 from the widget, as from Turnstile."""
    data = {"kind": "error", "visible": True, "error": "110500"}
    return _page(settings, prefix, data, state="error", status_key="widget_unavailable", status=403)
