"""The catalogue of checks: every verdict name the browser or the server may report.

Hard checks fail a solve on their own: they have no false positives for a person's
browser launched normally (automation-detection.md §3 and §6). Soft checks only lower the
bot score and make a managed challenge ask for an interaction. Nothing in §3's "never"
rows (WebGL, screen, fonts, media devices, hardware, timezone) appears here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Strength(enum.StrEnum):
    HARD = "hard"
    SOFT = "soft"


class Source(enum.StrEnum):
    PAGE = "page"  # the challenge page's main thread (js/src/signals.js)
    WORKER = "worker"  # a dedicated Worker (js/src/signals-worker.js)
    INTERACTION = "interaction"  # the interaction step (js/src/interaction.js)
    SERVER = "server"  # request headers (humangate.signals.headers)
    PROBE = "probe"  # the ticket's probe program, judged against the server's answers
    EVIDENCE = "evidence"  # raw observations the page sends, judged on the server


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    strength: Strength
    source: Source
    about: str


_H, _S = Strength.HARD, Strength.SOFT
_P, _W, _I, _SV = Source.PAGE, Source.WORKER, Source.INTERACTION, Source.SERVER
_PR = Source.PROBE
_EV = Source.EVIDENCE

CHECKS: dict[str, Check] = {
    c.name: c
    for c in (
        # H1 automation flag
        Check("webdriver", _H, _P, "navigator.webdriver is true in the page"),
        Check("webdriver_iframe", _H, _P, "navigator.webdriver is true in a fresh iframe"),
        # H2 headless markers
        Check("headless_ua", _H, _P, "HeadlessChrome in userAgent, appVersion or UA-CH brands"),
        Check("headless_worker_ua", _H, _W, "HeadlessChrome in the Worker's user agent"),
        # H3 automation globals
        Check("automation_globals", _H, _P, "Selenium/chromedriver/Playwright/... globals"),
        # H4 CDP serialisation side effects
        Check("cdp_stack_getter", _H, _P, "console serialised an Error (stack getter ran)"),
        Check("cdp_prepare_stack", _H, _P, "console serialised an Error (prepareStackTrace)"),
        Check("cdp_worker", _H, _W, "the same probes, inside the Worker"),
        # H5 native integrity (stealth patches)
        Check("webdriver_descriptor", _H, _P, "webdriver deleted/undefined on Chrome >= 89"),
        Check("navigator_own_props", _H, _P, "own properties on the navigator instance"),
        Check("native_to_string", _H, _P, "Function.prototype.toString replaced"),
        Check("error_name_descriptor", _H, _P, "Error.prototype.name made non-configurable"),
        Check("div_offset_height", _H, _P, "own offsetHeight on HTMLDivElement.prototype"),
        Check("outer_size_descriptor", _H, _P, "outerWidth turned into a data property"),
        Check("iframe_content_window", _H, _P, "srcdoc iframe has a window before attach"),
        Check("chrome_app_mock", _H, _P, "chrome.app mocked by a stealth kit"),
        Check("plugins_consistent", _H, _P, "plugin list contradicts pdfViewerEnabled"),
        Check("ua_data_consistent", _H, _P, "UA-CH brand major differs from the UA major"),
        Check(
            "ua_data_hints_consistent",
            _H,
            _P,
            "high-entropy UA-CH (full versions, platform) contradicts the UA or itself",
        ),
        Check("ua_data_engine", _H, _P, "UA-CH API present while the UA claims Firefox/Safari"),
        # H6 page vs Worker
        Check("worker_consistent", _H, _P, "page and Worker disagree (UA, platform, ...)"),
        Check("shared_worker_consistent", _H, _W, "page and SharedWorker disagree (UA, platform)"),
        # Soft: only an inconsistency between the two contexts, never the value (software
        # or no WebGL is normal); not measured on hybrid-GPU hardware, hence not hard.
        Check(
            "worker_renderer_consistent",
            _S,
            _W,
            "page and Worker (OffscreenCanvas) report different WebGL renderers",
        ),
        # H7, compared in the page against hashes the server embedded
        Check("ua_match", _H, _P, "navigator.userAgent differs from the User-Agent header"),
        # soft
        Check("lang_match", _S, _P, "navigator.languages[0] differs from Accept-Language"),
        Check("notification_permission", _S, _P, "Notification denied but permission prompt"),
        Check("chrome_object", _S, _P, "window.chrome missing on a Chrome user agent"),
        Check("outer_size_zero", _S, _P, "outer window size is zero"),
        Check("ua_data_blank", _S, _P, "blank high-entropy UA-CH on a desktop Chromium"),
        # interaction step
        # interaction step: judged on the server from the events the page recorded
        Check("interaction", _H, _I, "every event that activated the button was trusted"),
        Check("interaction_target", _H, _I, "pointer events on the button the ticket placed"),
        Check("interaction_order", _H, _I, "down, up and click (or key, click) in order, in time"),
        Check("interaction_source", _S, _I, "a click no pointer or key caused (assistive tools)"),
        Check("pointer_plausible", _S, _I, "CDP-style click: screenX==clientX, screenY==clientY"),
        Check("interaction_time", _S, _I, "the control was activated implausibly fast"),
        # the probe program (humangate.probes): answers only a layout/canvas engine has
        Check("probe_box", _H, _PR, "laid-out boxes of the ticket's element tree are wrong"),
        Check("probe_path", _H, _PR, "canvas hit tests on the ticket's path are wrong"),
        Check(
            "probe_style", _H, _PR, "computed styles of the ticket's colours and calc() are wrong"
        ),
        Check("probe_binding", _H, _PR, "the body's MAC under the answers' key is wrong"),
        # Chromium driven over CDP without the usual tells (humangate.signals.cdp)
        Check("cdp_audit_ping", _S, _EV, "a followed link sent no hyperlink-auditing ping"),
        Check("cdp_press_pressure", _S, _EV, "the activating mouse press had pressure 0"),
        Check("cdp_press_unseen", _S, _EV, "the activating press was where no pointer had been"),
        Check("cdp_press_fraction", _S, _EV, "fractional press coordinates at pixel ratio 1"),
        Check(
            "cdp_press_synthetic",
            _H,
            _EV,
            "a pressure-0 press where no pointer had been (Input.dispatchMouseEvent)",
        ),
        # the "na" policy (humangate.signals.policy)
        Check(
            "unexpected_na",
            _S,
            _SV,
            "a check the claimed browser always runs came back unavailable",
        ),
        Check("browser_ua", _H, _SV, "the User-Agent names no browser engine"),
        # server side (H7)
        Check("header_headless", _H, _SV, "HeadlessChrome in User-Agent or Sec-CH-UA"),
        Check("header_ch_ua_major", _H, _SV, "Sec-CH-UA major differs from the UA major"),
        Check("header_ch_ua_platform", _H, _SV, "Sec-CH-UA-Platform differs from the UA OS"),
        Check("header_ch_ua_unexpected", _H, _SV, "Sec-CH-UA* from a Firefox or Safari UA"),
        Check(
            "header_fetch_metadata",
            _H,
            _SV,
            "solve POST with Sec-Fetch-* values the page's fetch() never sends",
        ),
        # Soft, not hard as in the reference's H7: some corporate proxies strip Sec-Fetch-*,
        # and a client that cannot run the page's JS never gets this far anyway.
        Check("header_sec_fetch", _S, _SV, "modern browser without Sec-Fetch-* headers"),
        # Soft for the same reason, and UA-switcher extensions and WebViews.
        Check("header_ch_ua_missing", _S, _SV, "desktop Chrome >= 89 UA without Sec-CH-UA"),
        Check(
            "header_browser_set",
            _S,
            _SV,
            "solve POST without Origin or Accept-Language (an HTTP library's header set)",
        ),
    )
}

PAGE_CHECKS = tuple(n for n, c in CHECKS.items() if c.source in (Source.PAGE, Source.WORKER))
INTERACTION_CHECKS = tuple(n for n, c in CHECKS.items() if c.source is Source.INTERACTION)
