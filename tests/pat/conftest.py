from __future__ import annotations

import pytest

from tests.pat.issuer import TestIssuer


@pytest.fixture(scope="session")
def issuer() -> TestIssuer:
    return TestIssuer("issuer.test")


@pytest.fixture(scope="session")
def other_issuer() -> TestIssuer:
    return TestIssuer("other-issuer.test")
