"""Did-you-mean hints for configuration errors (humangate.suggest)."""

from __future__ import annotations

from humangate.suggest import closest, did_you_mean


def test_the_closest_public_name_is_suggested() -> None:
    assert closest("pasage_ttl", ("passage_ttl", "ticket_ttl")) == "passage_ttl"
    assert did_you_mean("pasage_ttl", ("passage_ttl",)) == " (did you mean 'passage_ttl'?)"


def test_nothing_is_suggested_for_a_name_unlike_any() -> None:
    assert closest("zzz", ("passage_ttl",)) is None
    assert did_you_mean("zzz", ("passage_ttl",)) == ""
