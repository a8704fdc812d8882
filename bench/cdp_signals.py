"""Per-signal hit rates of the CDP evidence: real browsers vs patchright and nodriver.

    .venv/bin/python -m bench.cdp_signals                      # 50 runs per real browser
    .venv/bin/python -m bench.cdp_signals --runs 10 --who chromium,nodriver-headed

A small local page runs the shipped evidence code (js/src/cdp.js, served as a module):
it follows a link with a ``ping`` (the server notes whether the ping arrived), logs
pointer events from the start, shows a full-window button and, once it is activated,
posts the activation's evidence and moves on to the next run. Every run of one browser
happens in ONE browser process (fresh page, same profile), alternating the activation:
even runs by mouse, odd runs by keyboard (Space on the focused button).

- Real browsers (plain processes under Xvfb, fresh profiles, no automation; the
  privacy profiles of e2e/test_privacy_browsers.py): the mouse travels to the button in
  a few xdotool moves, then clicks; the keyboard press is xdotool's Space.
- patchright (headed and headless; ``launch_persistent_context(no_viewport=True)`` as its
  README recommends) clicks with ``locator.click()`` and presses ``keyboard.press``;
  nodriver (headed and headless) clicks with ``Element.mouse_click()`` and presses with
  ``Input.dispatchKeyEvent``.

The verdicts are humangate's own (humangate.signals.cdp): ``cdp_audit_ping`` per run,
the ``cdp_press_*`` checks per mouse activation. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `bench` and `e2e` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from e2e.detect_support import XDOTOOL
from e2e.harness import CHROMIUM, Display, start_xvfb, stop_group, wait_until
from e2e.test_privacy_browsers import NO_SYSTEM_EXTENSIONS, PROFILES, Profile
from e2e.test_privacy_browsers import launch as launch_browser
from humangate.signals.cdp import ACTIVATION_CHECKS, activation_verdicts
from humangate.signals.headers import claimed_engine
from humangate.signals.verdicts import Verdict

CDP_JS = Path(__file__).resolve().parent.parent / "js" / "src" / "cdp.js"
REAL: dict[str, Profile] = {
    "chromium": Profile("chromium"),
    "firefox-esr": Profile("firefox", NO_SYSTEM_EXTENSIONS),
    **PROFILES,
}
TOOLS = ("patchright-headed", "patchright-headless", "nodriver-headed", "nodriver-headless")
SIGNALS = ("cdp_audit_ping", *ACTIVATION_CHECKS)

_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>cdp bench</title>
<style>html,body{{margin:0;height:100%}}
#b{{position:fixed;inset:0;width:100vw;height:100vh;font-size:40px}}</style>
<script type="module">
import {{ activationEvidence, sendAuditPing, startPointerLog }} from "/cdp.js";
const log = startPointerLog(window);
const post = (phase, data) => fetch("/report", {{method: "POST",
  headers: {{"content-type": "application/json"}},
  body: JSON.stringify({{label: {label}, run: {run}, phase, data}})}});
addEventListener("DOMContentLoaded", async () => {{
  const sent = sendAuditPing(window, "/audit/{label_path}/{run}");
  await new Promise((resolve) => setTimeout(resolve, 400));
  await post("static", {{sent, ua: navigator.userAgent}});
  const button = document.getElementById("b");
  button.hidden = false;
  button.focus();
  button.addEventListener("click", async () => {{
    await post("event", activationEvidence(log));
    location.replace({next});
  }}, {{once: true}});
}});
</script></head><body><button id="b" hidden>I am a person</button></body></html>
"""

_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "style-src 'unsafe-inline'; frame-src 'self'"
)


class Reports:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[dict[str, Any]] = []

    def add(self, item: dict[str, Any]) -> None:
        with self.lock:
            self.items.append(item)

    def has(self, label: str, run: int, phase: str) -> bool:
        with self.lock:
            return any(
                r["label"] == label and r["run"] == run and r["phase"] == phase for r in self.items
            )

    def of(self, label: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.items if r["label"] == label]


def serve(reports: Reports) -> ThreadingHTTPServer:
    script = CDP_JS.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, ctype: str = "", body: bytes = b"") -> None:
            self.send_response(status)
            if ctype:
                self.send_header("content-type", ctype)
                self.send_header("content-security-policy", _CSP)
            self.send_header("cache-control", "no-store")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = self.path.split("?")[0].split("/")
            if self.path.startswith("/cdp.js"):
                self._send(200, "text/javascript", script)
            elif len(parts) == 4 and parts[1] == "run":
                label, run = parts[2], int(parts[3])
                page = _PAGE.format(
                    label=json.dumps(label),
                    label_path=label,
                    run=run,
                    next=json.dumps(f"/run/{label}/{run + 1}"),
                )
                self._send(200, "text/html; charset=utf-8", page.encode())
            else:
                self._send(204)  # the audit frame's navigation: nothing loads

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            parts = self.path.split("/")
            if self.path.startswith("/audit/") and self.headers.get("ping-to"):
                reports.add({"label": parts[2], "run": int(parts[3]), "phase": "ping"})
            elif self.path == "/report":
                reports.add(json.loads(body))
            self._send(204)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- drivers ---------------------------------------------------------------------------


def _xdo(display: Display, *args: str) -> str:
    env = {**os.environ, "DISPLAY": display.name}
    done = subprocess.run([XDOTOOL, *args], env=env, capture_output=True, text=True, check=False)
    return done.stdout


def _real_input(display: Display, pid: int, mouse: bool) -> None:
    windows = _xdo(display, "search", "--onlyvisible", "--pid", str(pid)).split()
    if not windows:
        return
    window = windows[-1]
    _xdo(display, "windowactivate", "--sync", window)
    if mouse:
        for x, y in ((300, 300), (340, 330), (400, 380), (460, 420), (500, 450)):
            _xdo(display, "mousemove", "--window", window, str(x), str(y))
            time.sleep(0.02)
        _xdo(display, "click", "1")
        _xdo(display, "mousemove", "--window", window, "5", "5")
    else:
        _xdo(display, "key", "--clearmodifiers", "ctrl+1")  # an extension's tab: back
        time.sleep(0.1)
        _xdo(display, "key", "--clearmodifiers", "space")


def _loop(reports: Reports, label: str, runs: int, act: Callable[[int], None]) -> None:
    for run in range(runs):
        if not wait_until(lambda run=run: reports.has(label, run, "static"), 30, 0.1):
            print(f"  {label}: run {run} never loaded", flush=True)
            return
        for _ in range(3):
            act(run)
            if wait_until(lambda run=run: reports.has(label, run, "event"), 6, 0.1):
                break
        else:
            print(f"  {label}: run {run} never activated", flush=True)
            return


def run_real(base: str, reports: Reports, who: str, runs: int, display: Display) -> str:
    label = who
    log = Path(tempfile.mkdtemp()) / f"{who}.log"
    url = f"{base}/run/{label}/0"
    with launch_browser(REAL[who], url, display, log, set()) as browser:
        _loop(reports, label, runs, lambda run: _real_input(display, browser.pid, run % 2 == 0))
    return label


def run_patchright(base: str, reports: Reports, who: str, runs: int) -> str:
    from patchright.sync_api import sync_playwright  # noqa: PLC0415 - optional tool

    label = f"{who}-{os.urandom(3).hex()}"
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="hg-patchright-"),
            executable_path=CHROMIUM,
            headless=who.endswith("headless"),
            no_viewport=True,
            args=["--no-sandbox"],
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{base}/run/{label}/0", wait_until="commit")

        def act(run: int) -> None:
            with contextlib.suppress(Exception):
                if run % 2 == 0:
                    page.locator("#b").click(timeout=5000)
                else:
                    page.keyboard.press("Space")

        _loop(reports, label, runs, act)
        context.close()
    return label


def run_nodriver(base: str, reports: Reports, who: str, runs: int) -> str:
    import nodriver  # type: ignore[import-untyped]  # noqa: PLC0415 - optional tool
    from nodriver import cdp  # noqa: PLC0415

    label = f"{who}-{os.urandom(3).hex()}"

    async def drive() -> None:
        browser = await nodriver.start(
            browser_executable_path=CHROMIUM,
            headless=who.endswith("headless"),
            user_data_dir=tempfile.mkdtemp(prefix="hg-nodriver-"),
            sandbox=False,
        )
        tab = await browser.get(f"{base}/run/{label}/0")
        space = {"key": " ", "code": "Space", "windows_virtual_key_code": 32}
        for run in range(runs):
            for _ in range(300):
                if reports.has(label, run, "static"):
                    break
                await asyncio.sleep(0.1)
            else:
                print(f"  {label}: run {run} never loaded", flush=True)
                break
            with contextlib.suppress(Exception):
                if run % 2 == 0:
                    await (await tab.select("#b", timeout=5)).mouse_click()
                else:
                    await tab.send(cdp.input_.dispatch_key_event("keyDown", text=" ", **space))
                    await tab.send(cdp.input_.dispatch_key_event("keyUp", **space))
            for _ in range(100):
                if reports.has(label, run, "event"):
                    break
                await asyncio.sleep(0.1)
        process = getattr(browser, "_process", None)
        browser.stop()
        if process is not None:  # wait inside this loop: no noise from a closed loop
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait(), 10)

    asyncio.run(drive())
    return label


# -- figures ---------------------------------------------------------------------------


def tally(reports: Reports, label: str) -> dict[str, tuple[int, int]]:
    """signal -> (fired, judged) over this label's runs."""
    items = reports.of(label)
    pinged = {r["run"] for r in items if r["phase"] == "ping"}
    counts = {name: [0, 0] for name in SIGNALS}
    for item in items:
        if item["phase"] == "static":
            sent, ua = item["data"]["sent"], item["data"]["ua"]
            if sent and claimed_engine(ua) == "chrome":
                counts["cdp_audit_ping"][1] += 1
                counts["cdp_audit_ping"][0] += item["run"] not in pinged
        elif item["phase"] == "event":
            ua = next((r["data"]["ua"] for r in items if r["phase"] == "static"), "")
            for name, verdict in activation_verdicts(item["data"], ua).items():
                if verdict is not Verdict.NA:
                    counts[name][1] += 1
                    counts[name][0] += verdict is Verdict.FAIL
    return {name: (fired, judged) for name, (fired, judged) in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per browser or tool")
    parser.add_argument("--tool-runs", type=int, default=20, help="runs per tool")
    parser.add_argument("--who", default=",".join([*REAL, *TOOLS]))
    args = parser.parse_args()
    reports = Reports()
    server = serve(reports)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    display = start_xvfb(Path(tempfile.mkdtemp()) / "xvfb.log")
    os.environ["DISPLAY"] = display.name
    rows: list[tuple[str, int, dict[str, tuple[int, int]]]] = []
    try:
        for who in args.who.split(","):
            started = time.monotonic()
            if who in REAL:
                label = run_real(base, reports, who, args.runs, display)
            elif who.startswith("patchright"):
                label = run_patchright(base, reports, who, args.tool_runs)
            else:
                label = run_nodriver(base, reports, who, args.tool_runs)
            done = sum(r["phase"] == "event" for r in reports.of(label))
            rows.append((who, done, tally(reports, label)))
            counts = ", ".join(f"{n} {f}/{j}" for n, (f, j) in rows[-1][2].items() if j)
            print(f"{who}: {done} runs in {time.monotonic() - started:.0f} s: {counts}", flush=True)
    finally:
        server.shutdown()
        stop_group(display.process)
    print("\nfired/judged per signal (ping: every Chromium run; press: mouse activations)")
    print("| who | runs | " + " | ".join(SIGNALS) + " |")
    print("|---|---" + "|---" * len(SIGNALS) + "|")
    for who, done, counts in rows:
        cells = [f"{fired}/{judged}" if judged else "na" for fired, judged in counts.values()]
        print(f"| {who} | {done} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
