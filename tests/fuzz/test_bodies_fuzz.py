"""The solve body and the held-POST envelope: any bytes in, a value or None out, and
through the whole gate never a 500."""

from __future__ import annotations

import json
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from humangate.clearance import Requirement
from humangate.levels import Level
from humangate.probes.oracle import known_answers, signed_body
from humangate.replay import BODY_FIELD, ENVELOPE_FIELD, Held, ReplayDesk
from humangate.replay import PURPOSE as REPLAY
from humangate.request import Request
from humangate.solve_body import SolveBody, parse_solve_body
from tests.fuzz.conftest import BATCH, batch, count, examples
from tests.fuzz.strategies import KEYS, dumps, json_values, mutate, scalars, sealed
from tests.observe.helpers import gate
from tests.support import TEST_SECRETS, WSGIClient, challenge_data, solution

DESK = ReplayDesk(KEYS, max_body=4096, ttl=300, prefix="/.hg/")
IP = ip_address("192.0.2.1")
# A form sent from this site: only such a POST is held and replayed (humangate.fetch_site).
FORM = (("content-type", "application/x-www-form-urlencoded"), ("sec-fetch-site", "same-origin"))

solve_objects = st.fixed_dictionaries(
    {},
    optional={
        "ticket": scalars,
        "nonce": scalars,
        "signals": json_values,
        "steps": json_values,
        "elapsed_ms": scalars,
        "solver": scalars,
    },
)
solve_bodies = st.one_of(
    st.binary(max_size=300),
    solve_objects.map(lambda d: dumps(d).encode()),
    json_values.map(lambda v: dumps(v).encode()),
    st.integers(1, 3000).map(lambda depth: b"[" * depth + b"]" * depth),  # deep nesting
)


@examples(800)
@given(batch(solve_bodies))
def test_solve_body(bodies: list[bytes]) -> None:
    count("solve body", len(bodies))
    for body in bodies:
        parsed = parse_solve_body(body)
        assert parsed is None or isinstance(parsed, SolveBody)


def held_form() -> tuple[str, str]:
    """A real envelope and sealed body, as the holding page posts them back."""
    headers = (*FORM, ("content-length", "3"))
    request = Request("POST", "/form", headers=headers, body=b"a=1")
    need = Requirement(Level.MANAGED)
    page = DESK.hold(request, b"a=1", need, client_ip=IP, now=1000.0).body.decode()
    envelope = page.split(f'name="{ENVELOPE_FIELD}" value="')[1].split('"')[0]
    body = page.split(f'name="{BODY_FIELD}" value="')[1].split('"')[0]
    return envelope, body


ENVELOPE, SEALED_BODY = held_form()
ENVELOPE_KEYS = ["id", "k", "n", "m", "p", "q", "c", "ip", "ua", "l", "e"]


def open_replay(body: bytes) -> None:
    request = Request("POST", "/form", headers=FORM, body=body)
    held = DESK.open(request, IP, 1000.0)
    assert held is None or isinstance(held, Held)


@examples(600)
@given(batch(st.binary(max_size=400)))
def test_replay_random_bodies(bodies: list[bytes]) -> None:
    count("held-POST envelope", len(bodies))
    for body in bodies:
        open_replay(body)


@examples(350)
@given(st.data())
def test_replay_mutated_envelopes(data: st.DataObject) -> None:
    for _ in range(BATCH):
        fields = {ENVELOPE_FIELD: ENVELOPE, BODY_FIELD: SEALED_BODY}
        target = data.draw(st.sampled_from([ENVELOPE_FIELD, BODY_FIELD, "both"]))
        for name, value in list(fields.items()):
            if target in (name, "both"):
                fields[name] = mutate(value, data)
        extra = data.draw(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))
        # mutate() may draw a lone surrogate: percent-encode its bytes as a forger would.
        open_replay(urlencode({**fields, **extra}, errors="surrogatepass").encode())
    count("held-POST envelope", BATCH)


@examples(250)
@given(batch(st.fixed_dictionaries({}, optional=dict.fromkeys(ENVELOPE_KEYS, json_values)), 4))
def test_replay_authentic_but_malformed_envelope(payloads: list[dict[str, Any]]) -> None:
    count("held-POST envelope", len(payloads))
    for payload in payloads:
        fields = {ENVELOPE_FIELD: sealed(REPLAY, payload), BODY_FIELD: SEALED_BODY}
        open_replay(urlencode(fields).encode())


def test_the_real_envelope_opens() -> None:
    # The fuzzing above starts from a real envelope: make sure it is one.
    request = Request(
        "POST",
        "/form",
        headers=FORM,
        body=urlencode({ENVELOPE_FIELD: ENVELOPE, BODY_FIELD: SEALED_BODY}).encode(),
    )
    held = DESK.open(request, IP, 1000.0)
    assert held is not None and held.replay.body == b"a=1"
    assert json.loads(dumps({"a": 1})) == {"a": 1}


def _gate_and_solution() -> tuple[WSGIClient, str, dict[str, Any], str]:
    client = WSGIClient(gate(difficulty=4))
    page = client.request("GET", "/login")
    data = challenge_data(page.body)
    key = known_answers(TEST_SECRETS, data["ticket"]).key
    return client, data["solve_url"], json.loads(solution(data)), key


SOLVER = _gate_and_solution()


@examples(150)
@given(batch(solve_objects, BATCH // 2))
def test_solve_endpoint_with_a_real_ticket(variants: list[dict[str, Any]]) -> None:
    # Past parsing: a real ticket and nonce with any signals, steps, timing and solver,
    # through the whole gate. Every answer is a 2xx/4xx, never a 5xx or an exception.
    # Each variant is signed under the ticket's probe key as the page signs, so it is
    # judged past the signature check.
    client, url, body, key = SOLVER
    count("solve body", len(variants))
    for variant in variants:
        sent = {**body, **{k: v for k, v in variant.items() if k not in ("ticket", "nonce")}}
        status = client.request(
            "POST",
            url,
            body=signed_body(key, sent),
            headers={"content-type": "application/json"},
            html=False,
        ).status
        assert status < 500, (status, sent)
