"""The problem documents' catalogue (humangate.http.answers): one kind, one body."""

from __future__ import annotations

import json
import re
import string

from humangate.http import answers
from humangate.http.answers import ProblemKind, Problems
from tests.docs_snippets import ROOT

LISTED = {name: kind for name, kind in vars(Problems).items() if isinstance(kind, ProblemKind)}
DOCS = {path: path.read_text() for path in (ROOT / "docs").rglob("*.md")}
# A problem body shown in the docs, spaced or compact: its type, title and status.
SHOWN = re.compile(
    r'"type":\s*"urn:humangate:problem:([a-z-]+)",\s*"title":\s*"([^"]+)",\s*"status":\s*(\d+)'
)


def test_every_problem_body_the_docs_show_is_a_listed_kind() -> None:
    shown = {
        (slug, title, int(status))
        for text in DOCS.values()
        for slug, title, status in SHOWN.findall(text)
    }
    assert shown == {
        ("challenge", "Challenge required", 403),
        ("rate-limited", "Too many requests", 429),
    }
    listed = {(kind.slug, kind.title, kind.status) for kind in LISTED.values()}
    assert shown <= listed


def test_every_problem_type_the_docs_name_is_listed() -> None:
    named = {
        slug
        for text in DOCS.values()
        for slug in re.findall(r"urn:humangate:problem:([a-z-]+)", text)
    }
    assert named == {"challenge", "rate-limited", "replay-refused", "retry-request"}
    assert named <= {kind.slug for kind in LISTED.values()}


def test_the_documented_kinds_keep_their_status_and_title() -> None:
    def spelt(kind: ProblemKind) -> tuple[str, int, str]:
        return kind.slug, kind.status, kind.title

    assert spelt(Problems.CHALLENGE) == ("challenge", 403, "Challenge required")
    assert spelt(Problems.RATE_LIMITED) == ("rate-limited", 429, "Too many requests")
    # docs/frameworks/browser-and-api-clients.md: held forms' 403 answers.
    assert spelt(Problems.REPLAY_REFUSED)[:2] == ("replay-refused", 403)
    assert spelt(Problems.RETRY_REQUEST)[:2] == ("retry-request", 403)
    assert Problems.CHALLENGE.type == "urn:humangate:problem:challenge"


def test_each_listed_kind_is_one_type_title_pair() -> None:
    pairs = [(kind.slug, kind.title) for kind in LISTED.values()]
    assert len(pairs) == len(set(pairs))
    assert all(400 <= kind.status < 600 for kind in LISTED.values())


def test_a_problem_body_spells_out_its_kind() -> None:
    response = answers.problem(
        Problems.RATE_LIMITED,
        "Slow down.",
        "ray1",
        extra_fields={"retry_after": 7},
        extra_headers=(("retry-after", "7"),),
    )
    assert response.status == 429
    assert response.body == (
        b'{"type":"urn:humangate:problem:rate-limited","title":"Too many requests",'
        b'"status":429,"detail":"Slow down.","ray_id":"ray1","retry_after":7}'
    )
    assert response.headers[0] == ("content-type", "application/problem+json")
    assert response.headers[-1] == ("retry-after", "7")


def test_a_detection_refusal_names_its_reason() -> None:
    kind = Problems.detection_refused(403, "other_client")
    assert kind == ProblemKind("other-client", 403, "Detection refused")
    body = json.loads(answers.problem(kind, "Another client's clearance.", "r").body)
    assert (body["type"], body["status"]) == ("urn:humangate:problem:other-client", 403)


def test_ray_ids_and_nonces_are_fresh_and_well_formed() -> None:
    rays = {answers.new_ray_id() for _ in range(500)}
    nonces = {answers.new_nonce() for _ in range(500)}
    assert len(rays) == len(nonces) == 500
    assert all(len(ray) == 16 and set(ray) <= set("0123456789abcdef") for ray in rays)
    alphabet = set(string.ascii_letters + string.digits + "-_")
    assert all(len(nonce) == 24 and set(nonce) <= alphabet for nonce in nonces)
