"""Forgers against the probe program, over HTTP, for js, managed and interactive.

Three adversaries, each with at least ATTEMPTS tries per challenge type; the counts
are printed and written to e2e/artifacts/forgers.json, and every one must be 0 passed:

- no JavaScript engine (Python + httpx): reads the page, fetches the probe program from
  the probe endpoint as the page does, decodes it with knowledge of our format, solves
  the proof-of-work, claims "pass" for every signal and the interaction, sends a
  browser's header set, and posts either made-up answers or a real browser's answers
  captured for another ticket (the server's own answers for that ticket, which are
  exactly what a real browser computed there);
- the page's own script run in Node with jsdom, and with happy-dom (js/tools/
  dom-forger.mjs), missing globals filled in from Node.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from e2e.detect_support import ACTIONS, start_server
from e2e.harness import ARTIFACTS, REPO, SECRET, AppServer, stop_group
from humangate import pow
from humangate.probes import binding
from humangate.probes.oracle import known_answers, signed_body
from humangate.probes.program import FAMILIES, decode
from humangate.signals import passing_signals

ATTEMPTS = 100
CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
_DATA = re.compile(r'<script id="humangate-challenge" type="application/json">(.*?)</script>', re.S)
_RESULTS: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, AppServer]]:
    root = tmp_path_factory.mktemp("forgers")
    started = {action: start_server(root / action, action) for action in ACTIONS}
    yield started
    for server in started.values():
        stop_group(server.process)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "forgers.json").write_text(json.dumps(_RESULTS, indent=2) + "\n")


def _browser_client(server: AppServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url,
        headers={
            "user-agent": CHROME_UA,
            "accept-language": "en-US,en;q=0.9",
            "sec-ch-ua": '"Chromium";v="156", "Not.A/Brand";v="99"',
            "sec-ch-ua-mobile": "?0",
            "sec-ch-ua-platform": '"Linux"',
        },
        timeout=10,
    )


def _challenge(client: httpx.Client, path: str) -> dict[str, Any]:
    page = client.get(path, headers={"accept": "text/html", "sec-fetch-mode": "navigate"})
    match = _DATA.search(page.text)
    assert match is not None, page.text[:300]
    data: dict[str, Any] = json.loads(match.group(1))
    # The page holds only the ticket; its program comes from the probe endpoint, as the
    # page's own script fetches it.
    program = client.get(data["probe_url"], params={"ticket": data["ticket"]})
    assert program.status_code == 200, program.text
    data["step_params"]["probe"] = program.json()
    return data


def _post(client: httpx.Client, data: dict[str, Any], body: bytes) -> dict[str, Any]:
    answer = client.post(
        data["solve_url"],
        content=body,
        headers={
            "content-type": "application/json",
            "origin": str(client.base_url).rstrip("/"),
            "sec-fetch-site": "same-origin",
            "sec-fetch-mode": "cors",
            "sec-fetch-dest": "empty",
        },
    )
    assert answer.status_code in (200, 403), answer.text
    result: dict[str, Any] = answer.json()
    return result


def _forged_body(data: dict[str, Any], digests: dict[str, str], key: str) -> bytes:
    """A complete, self-consistent submission under the forger's own answers' key."""
    seed = binding.pow_seed(data["seed"], key)
    payload = {
        "ticket": data["ticket"],
        "nonce": pow.solve(seed, data["difficulty"]),
        "signals": passing_signals(),
        "steps": {"probe": {"d": digests}},
        "elapsed_ms": 400,
        "solver": "wasm-simd",
    }
    return signed_body(key, payload)


def _made_up(data: dict[str, Any], rng: random.Random) -> bytes:
    """Answers a forger without layout or canvas can produce: zeros, empties, guesses."""
    program = decode(data["step_params"]["probe"])
    ticket_id = data["step_params"]["probe"]["t"]
    legend = {v: k for k, v in data["step_params"]["probe"]["l"].items()}
    answers = []
    for task in program[data["step_params"]["probe"]["l"]["tasks"]]:
        family = legend[task[data["step_params"]["probe"]["l"]["f"]]]
        picks = task.get(data["step_params"]["probe"]["l"]["pick"], [])
        queries = task.get(data["step_params"]["probe"]["l"]["q"], [])
        strategy = rng.randrange(3)
        if family == "box":
            values = [[0, 0, 0, 0] if strategy == 0 else [rng.randrange(0, 40) for _ in range(4)]
                      for _ in picks]  # fmt: skip
            answers.append((family, ";".join(",".join(map(str, v)) for v in values)))
        elif family == "style":
            # What a DOM emulator echoes back: the declared values, or nothing at all.
            items = task.get(data["step_params"]["probe"]["l"]["items"], [])
            get = data["step_params"]["probe"]["l"]["get"]
            css = data["step_params"]["probe"]["l"]["css"]
            declared = [dict(map(tuple, item[css])).get(item[get], "") for item in items]
            answers.append((family, ";".join(declared if strategy else [""] * len(items))))
        else:
            bits = "" if strategy == 0 else "".join(rng.choice("01") for _ in queries)
            answers.append((family, bits))
    digests = {
        f: binding.digest(ticket_id, f, "|".join(a for g, a in answers if g == f))
        for f in FAMILIES
        if any(g == f for g, _ in answers)
    }
    return _forged_body(data, digests, binding.key(ticket_id, [a for _, a in answers]))


def _replayed(data: dict[str, Any], captured: dict[str, Any]) -> bytes:
    """A real browser's answers for ticket A (``captured``), posted with ticket B."""
    real = known_answers([SECRET], captured["ticket"])
    return _forged_body(data, real.digests, real.key)


def _record(adversary: str, action: str, reasons: Counter[str], attempts: int) -> int:
    passed = reasons.get("passed", 0)
    _RESULTS.setdefault(adversary, {})[action] = {
        "attempts": attempts,
        "passed": passed,
        "reasons": dict(reasons),
    }
    print(f"{adversary} vs {action}: passed {passed} of {attempts} {dict(reasons)}")
    return passed


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("evidence", ["made-up", "replayed"])
def test_forger_without_a_javascript_engine(
    servers: dict[str, AppServer], action: str, evidence: str
) -> None:
    server = servers[action]
    rng = random.Random(f"{action}-{evidence}")
    reasons: Counter[str] = Counter()
    for run in range(ATTEMPTS):
        # A fresh client each time: it drops the strikes cookie that would raise its
        # difficulty after every failure (as a forger would).
        with _browser_client(server) as client:
            data = _challenge(client, f"/forge/{evidence}/{run}")
            if evidence == "made-up":
                body = _made_up(data, rng)
            else:
                body = _replayed(data, _challenge(client, f"/forge/other/{run}"))
            result = _post(client, data, body)
        reasons["passed" if result.get("ok") else str(result.get("reason"))] += 1
    assert _record(f"no-engine-{evidence}", action, reasons, ATTEMPTS) == 0
    assert server.server_errors() == []


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("dom", ["jsdom", "happy-dom"])
def test_page_script_in_node_with_a_dom_emulator(
    servers: dict[str, AppServer], action: str, dom: str
) -> None:
    server = servers[action]
    run = subprocess.run(
        ["node", "js/tools/dom-forger.mjs", dom, server.base_url, f"/dom/{dom}", str(ATTEMPTS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["attempts"] == ATTEMPTS
    assert _record(dom, action, Counter(report["reasons"]), ATTEMPTS) == 0
    # They did reach the server: the probe, not a crash, is what stopped them.
    assert sum(n for reason, n in report["reasons"].items() if reason == "automated") > 0
    assert server.server_errors() == []
