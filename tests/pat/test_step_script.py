"""The browser half of the ``pat`` step, run in Node with a stubbed fetch: it asks the
endpoint with the page's ticket, returns the attestation only from a 200, waives the
proof-of-work only when told to, and never throws (a 401 or a network error is "no
token")."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from humangate.pat.step import SCRIPT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of `make test` (js-test)")

HARNESS = """
let step;
globalThis.humangate = { registerStep(name, fn) { if (name === "pat") step = fn; } };
const cases = JSON.parse(process.argv[1]);
const results = [];
(async () => {
  SCRIPT
  for (const c of cases) {
    let asked = null;
    globalThis.fetch = async (url, init) => {
      asked = { url, credentials: init.credentials, cache: init.cache };
      if (c.throws) throw new TypeError("network");
      return { ok: c.status === 200, status: c.status, json: async () => c.body };
    };
    const challenge = { ticket: "t/k+1", difficulty: 18 };
    const out = await step(challenge, {}, { url: "/.humangate/pat", pow_waived: c.waived });
    results.push({ out, asked, difficulty: challenge.difficulty });
  }
  console.log(JSON.stringify(results));
})();
"""


def run(cases: list[dict[str, object]]) -> list[dict[str, object]]:
    assert NODE is not None
    program = HARNESS.replace("SCRIPT", SCRIPT)
    done = subprocess.run(
        [NODE, "-e", program, json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    results: list[dict[str, object]] = json.loads(done.stdout)
    return results


def test_the_step_script_asks_with_the_ticket_and_reads_only_a_200() -> None:
    ok, unauthorized, refused, odd, offline, waived = run(
        [
            {"status": 200, "body": {"ok": True, "attestation": "sealed"}, "waived": False},
            {"status": 401, "body": {"ok": False}, "waived": False},
            {"status": 403, "body": {"ok": False}, "waived": True},
            {"status": 200, "body": {"attestation": 7}, "waived": True},
            {"throws": True, "waived": True},
            {"status": 200, "body": {"ok": True, "attestation": "sealed"}, "waived": True},
        ]
    )
    assert ok["out"] == {"answer": {"attestation": "sealed"}}
    assert ok["asked"] == {
        "url": "/.humangate/pat?ticket=t%2Fk%2B1",
        "credentials": "same-origin",
        "cache": "no-store",
    }
    assert ok["difficulty"] == 18  # the proof-of-work still runs by default
    for nothing in (unauthorized, refused, odd, offline):
        assert nothing["out"] == {} and nothing["difficulty"] == 18
    assert waived["out"] == {"answer": {"attestation": "sealed"}}
    assert waived["difficulty"] == 0
