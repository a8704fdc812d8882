"""The error types: a challenge failure keeps its private detail away from the page."""

from __future__ import annotations

from humangate.errors import ChallengeFailure, Failure


def test_a_known_step_failure_is_its_own_public_reason() -> None:
    failure = ChallengeFailure.from_step("wrong_solution")
    assert failure.reason is Failure.WRONG_SOLUTION
    assert failure.detail == "wrong_solution"


def test_a_plugin_s_own_word_stays_private() -> None:
    failure = ChallengeFailure.from_step("captcha-provider said 0.1 (token abc)")
    assert failure.reason is Failure.STEP_FAILED
    assert failure.detail == "captcha-provider said 0.1 (token abc)"
    assert str(failure) == failure.detail  # for logs


def test_a_bare_reason() -> None:
    failure = ChallengeFailure(Failure.REPLAYED)
    assert (failure.reason, failure.detail, str(failure)) == (
        Failure.REPLAYED,
        "replayed",
        "replayed",
    )
