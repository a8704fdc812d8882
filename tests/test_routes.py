"""humangate.routes: level names, and no URL matching until some view is exempt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from humangate.levels import Action
from humangate.routes import challenge_action, is_exempt, mark_exempt


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("non_interactive", Action.JS_CHALLENGE),
        ("managed", Action.MANAGED_CHALLENGE),
        ("interactive", Action.CHALLENGE),
        ("managed_challenge", Action.MANAGED_CHALLENGE),
    ],
)
def test_level_names(name: str, action: Action) -> None:
    assert challenge_action(name) is action


@pytest.mark.parametrize("name", ["block", "allow", "", "Managed"])
def test_only_challenges(name: str) -> None:
    with pytest.raises(ValueError, match="expected one of"):
        challenge_action(name)


def test_class_based_view_exemption_is_seen_through_as_view() -> None:
    class View:
        pass

    mark_exempt(View)

    def as_view() -> None:
        pass

    as_view.view_class = View  # type: ignore[attr-defined]  # what Django sets
    assert is_exempt(as_view)
    assert not is_exempt(lambda: None)


def test_no_exempt_view_means_no_matching() -> None:
    # In a fresh process: the flag is process-wide and this suite marks views exempt.
    code = (
        "from humangate import routes\n"
        "assert not routes.any_exempt()\n"
        "routes.mark_exempt(lambda: None)\n"
        "assert routes.any_exempt()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
