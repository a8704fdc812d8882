"""Shared plumbing for the detection and challenge-type suites.

One uvicorn server per challenge action (the example app with the signal log, see
detection_app.py), real Firefox ESR as a plain process, and xdotool for real input.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from e2e.harness import (
    AppServer,
    Display,
    launch,
    server_command,
    stop_group,
    wait_until,
)

FIREFOX = "/usr/bin/firefox-esr"
XDOTOOL = "/usr/bin/xdotool"
ACTIONS = ("js_challenge", "managed_challenge", "challenge")

# A fresh profile that opens the URL and nothing else: no first-run pages, no telemetry,
# no update checks, no network chatter. None of these is an automation switch.
FIREFOX_PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "startup.homepage_welcome_url": "",
    "startup.homepage_welcome_url.additional": "",
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.enabled": False,
    "app.update.auto": False,
    "browser.tabs.warnOnClose": False,
    "browser.sessionstore.resume_from_crash": False,
    "extensions.update.enabled": False,
    # Only the profile's and the app's own extensions: Debian's system-wide ones (uBlock
    # Origin from webext-ublock-origin-firefox) stay out of the plain baseline.
    # e2e/test_privacy_browsers.py runs Firefox with uBlock on purpose.
    "extensions.enabledScopes": 5,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.newtabpage.enabled": False,
    "browser.startup.page": 0,
    "devtools.console.stdout.content": True,
}

_SIGNAL_LINE = re.compile(
    r"humangate\.signals solve ray=(?P<ray>\w+) level=(?P<level>\w+) outcome=(?P<outcome>\w+) "
    r"score=(?P<score>\d+) hard=(?P<hard>\S+) soft=(?P<soft>\S+)"
)


@dataclass(frozen=True)
class SolveRecord:
    level: str
    outcome: str
    score: int
    hard: tuple[str, ...]
    soft: tuple[str, ...]


def start_server(workdir: Path, action: str, *, difficulty: int = 8) -> AppServer:
    """uvicorn serving the example app with ``action`` as its default action."""

    def started(server: AppServer) -> bool:
        def up() -> bool:
            text = server.log_file.read_text(errors="replace")
            return server.process.poll() is not None or "Application startup complete" in text

        return wait_until(up, 20)

    return launch(
        "asgi",
        workdir,
        lambda port: server_command("asgi", port, "e2e.detection_app:application"),
        difficulty=difficulty,
        extra_env={"HUMANGATE_DEFAULT_ACTION": action},
        ready=started,
    )


def solve_records(server: AppServer) -> list[SolveRecord]:
    text = server.log_file.read_text(encoding="utf-8", errors="replace")
    return [
        SolveRecord(
            m["level"],
            m["outcome"],
            int(m["score"]),
            tuple(x for x in m["hard"].split(",") if x != "-"),
            tuple(x for x in m["soft"].split(",") if x != "-"),
        )
        for m in _SIGNAL_LINE.finditer(text)
    ]


@contextlib.contextmanager
def plain_firefox(url: str, display: Display, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Firefox ESR as a person starts it: headed, fresh profile, no Marionette/BiDi."""
    profile = Path(tempfile.mkdtemp(prefix="hg-firefox-"))
    (profile / "user.js").write_text(
        "".join(f'user_pref("{k}", {_pref(v)});\n' for k, v in FIREFOX_PREFS.items())
    )
    env = {**os.environ, "DISPLAY": display.name, "MOZ_CRASHREPORTER_DISABLE": "1"}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [FIREFOX, "--no-remote", "--profile", str(profile), url],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        stop_group(process)
        shutil.rmtree(profile, ignore_errors=True)


def _pref(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value) + '"'


def press_button(display: Display, pid: int, timeout: float = 20.0) -> bool:
    """Real keyboard input: focus the browser's window, then Space on the focused button.

    The page focuses its button when it shows it, so Space activates it the way a
    keyboard user would. Returns whether a window was found to type into.
    """
    env = {**os.environ, "DISPLAY": display.name}

    def window() -> str:
        found = subprocess.run(
            [XDOTOOL, "search", "--onlyvisible", "--pid", str(pid)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        ids = found.stdout.split()
        return ids[-1] if ids else ""

    holder: list[str] = [""]

    def found() -> bool:
        holder[0] = window()
        return bool(holder[0])

    if not wait_until(found, timeout, interval=0.3):
        return False
    subprocess.run(
        [XDOTOOL, "windowactivate", "--sync", holder[0]], env=env, check=False,
        capture_output=True,
    )  # fmt: skip
    subprocess.run([XDOTOOL, "key", "--clearmodifiers", "space"], env=env, check=False)
    return True


# -- the detection table ---------------------------------------------------------------

TABLE_JSON = "detection-rows.json"
TABLE_MD = "detection.md"


@dataclass(frozen=True)
class Row:
    who: str
    action: str
    runs: int
    reached: int
    signals: str  # hard/soft checks that fired, as the server logged them

    def cells(self) -> list[str]:
        return [self.who, self.action, f"{self.reached}/{self.runs}", self.signals or "-"]


def fired(records: list[SolveRecord]) -> str:
    """Every check that fired over ``records``, hard ones first, each once."""
    hard = sorted({name for r in records for name in r.hard})
    soft = sorted({name for r in records for name in r.soft})
    parts = [*hard, *(f"{name} (soft)" for name in soft)]
    if not records:
        return "no solve attempt reached the server"
    return ", ".join(parts)


def record_rows(artifacts: Path, source: str, rows: list[Row]) -> Path:
    """Replace ``source``'s rows in the shared table and rewrite detection.md."""
    artifacts.mkdir(parents=True, exist_ok=True)
    store = artifacts / TABLE_JSON
    table: dict[str, list[dict[str, object]]] = (
        json.loads(store.read_text()) if store.exists() else {}
    )
    table[source] = [dataclasses.asdict(row) for row in rows]
    store.write_text(json.dumps(table, indent=1, sort_keys=True))
    lines = [
        "# Detection table (measured by the e2e suite)",
        "",
        "`reached` counts runs in which the protected URL reached the app (server-side hits",
        "file). `signals` are the checks the server logged as fired (hard unless marked).",
        "",
        "| who | challenge type | reached app | signals fired |",
        "|---|---|---|---|",
    ]
    for name in sorted(table):
        for item in table[name]:
            row = Row(**item)  # type: ignore[arg-type]
            lines.append("| " + " | ".join(row.cells()) + " |")
    out = artifacts / TABLE_MD
    out.write_text("\n".join(lines) + "\n")
    return out
