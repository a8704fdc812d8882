"""Process plumbing for the browser tests: Xvfb, example-app servers, plain Chromium.

Everything here observes from the *server* side: a visitor "got through" only when the
example app itself recorded the request in its hits file (``HUMANGATE_HITS_FILE``), and
the server's access log tells which requests the gate answered itself (403) and which
reached the app (200). The "real browser" is a plain ``chromium`` process: no
Playwright, no ``--enable-automation``, no remote debugging (automation-detection.md §3).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "e2e" / "artifacts"
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
XVFB = "/usr/bin/Xvfb"

# Flags needed to run Chromium as root in a container without touching the network.
# None of them is an automation flag: navigator.webdriver stays false.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--password-store=basic",
)

SECRET = "e2e-secret-key-0123456789abcdef-0123456789abcdef"
Kind = Literal["wsgi", "asgi"]

# One access-log line, as both uvicorn and gunicorn's default format spell it.
_ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate()`` until it is truthy or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def stop_group(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Stop ``process`` and everything it spawned (it leads its own process group)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(grace)


# -- Xvfb ----------------------------------------------------------------------------------


@dataclass
class Display:
    number: int
    process: subprocess.Popen[bytes]

    @property
    def name(self) -> str:
        return f":{self.number}"


def _free_display() -> int:
    # A display is taken when its lock file or socket exists; start well above :0.
    for number in range(90, 190):
        if not (
            Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise RuntimeError("no free X display between :90 and :189")


def start_xvfb(log: Path) -> Display:
    """Start Xvfb on a free display and wait until its socket accepts clients."""
    number = _free_display()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [XVFB, f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    socket_path = Path(f"/tmp/.X11-unix/X{number}")
    if not wait_until(lambda: socket_path.exists() or process.poll() is not None, 15):
        stop_group(process)
        raise RuntimeError(f"Xvfb :{number} did not create {socket_path}")
    if process.poll() is not None:
        raise RuntimeError(f"Xvfb :{number} exited: {log.read_text(errors='replace')}")
    return Display(number, process)


# -- example app servers -------------------------------------------------------------------


@dataclass
class AccessEntry:
    method: str
    target: str
    status: int


@dataclass
class AppServer:
    kind: Kind
    port: int
    process: subprocess.Popen[bytes]
    hits_file: Path
    log_file: Path
    workdir: Path = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, target: str) -> str:
        return self.base_url + target

    def hits(self) -> list[str]:
        """Every path+query that reached the app (not the gate), in order."""
        if not self.hits_file.exists():
            return []
        return self.hits_file.read_text(encoding="utf-8").splitlines()

    def access_log(self) -> list[AccessEntry]:
        text = self.log_file.read_text(encoding="utf-8", errors="replace")
        return [
            AccessEntry(m["method"], m["target"], int(m["status"])) for m in _ACCESS.finditer(text)
        ]

    def statuses(self, target: str, method: str = "GET") -> list[int]:
        """The statuses the server answered ``method target`` with, in order."""
        return [e.status for e in self.access_log() if e.target == target and e.method == method]

    def server_errors(self) -> list[AccessEntry]:
        """Requests answered with a 5xx: the gate (or app) crashed rather than decided."""
        return [entry for entry in self.access_log() if entry.status >= 500]

    def wait_for_hit(self, target: str, timeout: float = 30.0) -> bool:
        """Whether ``target`` reached the app within ``timeout`` seconds (polling)."""
        return wait_until(lambda: target in self.hits(), timeout, interval=0.2)


def server_command(
    kind: Kind, port: int, target: str, *, workers: int = 1, options: tuple[str, ...] = ()
) -> list[str]:
    """gunicorn for a WSGI ``target`` ("module:attribute"), uvicorn for an ASGI one;
    ``options`` go just before the target."""
    if kind == "wsgi":
        return [
            str(VENV_BIN / "gunicorn"),
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--access-logfile", "-",
            "--error-logfile", "-",
            *options,
            target,
        ]  # fmt: skip
    return [
        str(VENV_BIN / "uvicorn"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", str(workers),
        *options,
        target,
    ]  # fmt: skip


def retire(servers: Iterable[AppServer], artifacts: Path) -> None:
    """Stop each server (its whole process group); keep its log and hits file in
    ``artifacts``, named after its work folder."""
    for server in servers:
        stop_group(server.process)
        for source in (server.log_file, server.hits_file):
            if source.exists():
                shutil.copy(source, artifacts / f"{server.workdir.name}-{source.name}")


def launch(
    kind: Kind,
    workdir: Path,
    command: Callable[[int], list[str]],
    *,
    difficulty: int = 16,
    extra_env: dict[str, str] | None = None,
    ready: Callable[[AppServer], bool] | None = None,
) -> AppServer:
    """Start ``command(port)`` from the repo root with the e2e secret, an SQLite store,
    ``difficulty`` and a hits file in ``workdir``; wait until ``ready`` (by default:
    ``/healthz`` answers) and forget the probe's hits. Every e2e server starts here."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    hits, log = workdir / "hits.txt", workdir / "server.log"
    env = {
        **os.environ,
        "HUMANGATE_SECRET_KEYS": SECRET,
        "HUMANGATE_STORE": f"sqlite:///{workdir / 'hg.sqlite3'}",
        "HUMANGATE_DIFFICULTY": str(difficulty),
        "HUMANGATE_HITS_FILE": str(hits),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    env.pop("HUMANGATE_DEV_MODE", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command(port),
            cwd=REPO,  # so `integrations` and `e2e` are importable
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = AppServer(kind, port, process, hits, log, workdir)
    if not (ready or _wait_until_answers)(server) or process.poll() is not None:
        stop_group(process)
        raise RuntimeError(f"server did not start:\n{log.read_text(errors='replace')}")
    hits.unlink(missing_ok=True)  # tests see only their own hits
    return server


_PLAIN_APPS = {
    "wsgi": "integrations.wsgi_plain.app:application",
    "asgi": "integrations.asgi_plain.app:application",
}


def start_app(
    kind: Kind,
    workdir: Path,
    *,
    difficulty: int = 16,
    workers: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> AppServer:
    """Start an example app (gunicorn for WSGI, uvicorn for ASGI) and wait until it answers.

    Gunicorn gets 2 workers by default so a ticket issued by one worker may be solved at
    the other: the SQLite store and the shared key ring must make that work.
    """
    count = workers if workers is not None else (2 if kind == "wsgi" else 1)
    return launch(
        kind,
        workdir,
        lambda port: server_command(kind, port, _PLAIN_APPS[kind], workers=count),
        difficulty=difficulty,
        extra_env=extra_env,
    )


def _wait_until_answers(server: AppServer, timeout: float = 20.0) -> bool:
    def answers() -> bool:
        if server.process.poll() is not None:
            return True  # dead: stop waiting, the caller reports the log
        try:
            return httpx.get(server.url("/healthz"), timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    return wait_until(answers, timeout, interval=0.2) and server.process.poll() is None


# -- plain Chromium --------------------------------------------------------------------------


@contextlib.contextmanager
def plain_chromium(
    url: str | list[str], display: Display, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A headed Chromium as a person would start it, on ``display``, with a fresh profile.

    Deliberately not Playwright: no automation flags and no DevTools connection, so the
    page sees exactly what a human's browser shows. Results are read on the server side.
    Several URLs open as tabs at once: the first in the foreground, the rest behind it.
    """
    urls = [url] if isinstance(url, str) else url
    profile = Path(tempfile.mkdtemp(prefix="hg-chromium-"))
    env = {**os.environ, "DISPLAY": display.name}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                CHROMIUM,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--window-size=1280,900",
                *urls,
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop_group(process)
        shutil.rmtree(profile, ignore_errors=True)


# -- any ASGI app under uvicorn ----------------------------------------------------------


def start_asgi_app(
    app: str,
    workdir: Path,
    *,
    difficulty: int = 16,
    extra_env: dict[str, str] | None = None,
    factory: bool = False,
) -> AppServer:
    """Like :func:`start_app`, for any ASGI app reference (``"module:attribute"``) that
    wraps the example app (so ``/healthz`` answers and the hits file is written).

    One uvicorn process; its log holds the access lines and whatever the app logs to
    stdout (e2e/detection_app.py routes the ``humangate.signals`` lines there).
    """
    options = ("--factory",) if factory else ()
    return launch(
        "asgi",
        workdir,
        lambda port: server_command("asgi", port, app, options=options),
        difficulty=difficulty,
        extra_env=extra_env,
    )
