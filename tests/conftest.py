from __future__ import annotations

import pytest
from hypothesis import settings

from humangate import Config

# Hypothesis deadlines measure wall-clock time per example, which says nothing about
# correctness on a loaded CI machine; speed goals live in bench/.
settings.register_profile("humangate", deadline=None)
settings.load_profile("humangate")

SECRET = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"
OLD_SECRET = "old-secret-0123456789abcdefghijklmnopqrstuvwxyz"
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _no_secret_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUMANGATE_SECRET_KEYS", raising=False)


@pytest.fixture
def config() -> Config:
    return Config(secret_keys=[SECRET], store="memory://", difficulty=8)
