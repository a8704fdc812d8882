"""How the script tag fits the response's CSP (humangate.jsd.csp)."""

from __future__ import annotations

import pytest

from humangate.jsd.csp import Origin, Placement, parse, placement

ORIGIN = Origin.of("https", "shop.example:443", "/.humangate/static/jsd.js")


def place(
    enforced: list[str] | None = None,
    report_only: list[str] | None = None,
    *,
    hint: str | None = None,
    origin: Origin = ORIGIN,
) -> Placement | None:
    return placement(enforced or [], report_only or [], origin, hint)


def test_no_policy_places_plainly() -> None:
    assert place() == Placement(None, workers=True)
    assert place(hint="abc") == Placement("abc", workers=True)


def test_self_loads_the_external_script() -> None:
    assert place(["default-src 'self'"]) == Placement(None, workers=True)
    assert place(["script-src 'self'; connect-src 'self'"]) == Placement(None, workers=True)


def test_the_policy_nonce_is_reused() -> None:
    found = place(["script-src 'nonce-r4nd0m' 'strict-dynamic'; object-src 'none'"])
    # Under 'strict-dynamic' only the nonce loads it; Workers by URL are refused there.
    assert found == Placement("r4nd0m", workers=False)


def test_nonce_and_self_prefers_no_nonce_but_keeps_workers() -> None:
    assert place(["script-src 'self' 'nonce-abc'"]) == Placement(None, workers=True)


def test_hash_only_policies_refuse_an_external_script() -> None:
    assert place(["script-src 'sha256-AAAA'"]) is None
    assert place(["script-src 'strict-dynamic' 'sha256-AAAA'"]) is None


def test_hash_with_nonce_uses_the_nonce() -> None:
    assert place(["script-src 'sha256-AAAA' 'nonce-n1'"]) == Placement("n1", workers=False)


def test_strict_dynamic_ignores_self() -> None:
    assert place(["script-src 'self' 'strict-dynamic'"]) is None


def test_none_refuses() -> None:
    assert place(["script-src 'none'"]) is None
    assert place(["default-src 'none'"]) is None


def test_report_only_counts_like_enforced() -> None:
    # A report-only refusal is still a console error and a report: never caused.
    assert place([], ["script-src 'none'"]) is None
    assert place(["script-src 'self'"], ["script-src 'nonce-x'"]) == Placement("x", workers=False)


def test_several_policies_must_all_allow() -> None:
    both = ["script-src 'nonce-a' 'self'", "script-src 'nonce-a'"]
    assert place(both) == Placement("a", workers=False)
    # Two different nonces: no one tag satisfies both.
    assert place(["script-src 'nonce-a'", "script-src 'nonce-b'"]) is None
    # One header line may hold several comma-separated policies.
    assert place(["script-src 'self', script-src 'none'"]) is None
    assert len(parse(["script-src 'self', default-src 'self'"])) == 2


def test_connect_src_must_allow_the_post() -> None:
    assert place(["script-src 'self'; connect-src https://api.other"]) is None
    assert place(["default-src 'none'; script-src 'nonce-z'"]) is None
    assert place(["default-src 'none'; script-src 'nonce-z'; connect-src 'self'"]) == Placement(
        "z", workers=False
    )


def test_worker_src_decides_workers() -> None:
    found = place(["script-src 'nonce-q' 'strict-dynamic'; worker-src 'self'"])
    assert found == Placement("q", workers=True)
    found = place(["script-src 'self'; worker-src 'none'"])
    assert found == Placement(None, workers=False)
    found = place(["script-src 'self'; require-trusted-types-for 'script'"])
    assert found == Placement(None, workers=False)


def test_script_src_elem_wins_over_script_src() -> None:
    assert place(["script-src 'none'; script-src-elem 'self'"]) == Placement(None, workers=False)


def test_host_and_scheme_sources() -> None:
    assert place(["script-src https:"]) is not None
    assert place(["script-src http:"]) is not None  # http: also allows https
    assert place(["script-src https://shop.example"]) is not None
    assert place(["script-src *.example"]) is not None
    assert place(["script-src shop.example:8443"]) is None
    assert place(["script-src https://shop.example/.humangate/"]) is not None
    assert place(["script-src https://shop.example/assets/"]) is None
    assert place(["script-src https://cdn.example"]) is None
    local = Origin.of("http", "127.0.0.1:8000", "/.humangate/static/jsd.js")
    assert place(["script-src 127.0.0.1:8000"], origin=local) is not None
    assert place(["script-src 127.0.0.1"], origin=local) is None
    assert place(["script-src https:"], origin=local) is None


def test_sandbox_refuses() -> None:
    assert place(["sandbox allow-forms"]) is None


def test_django_csp_hint_is_offered_to_nonce_lists() -> None:
    assert place(["script-src 'nonce-h'"], hint="h") == Placement("h", workers=False)
    assert place(["script-src 'nonce-other'"], hint="h") == Placement("other", workers=False)


@pytest.mark.parametrize("header", ["", " ; ;", "script-src"])
def test_degenerate_headers_do_not_crash(header: str) -> None:
    place([header])
