"""A token succeeds exactly once, however many verifications race for it: threads on one
store, and separate processes sharing one SQLite file (as gunicorn workers do)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from humangate.effects import run_sync
from humangate.stores import open_store
from humangate.tokens import KeyRing
from humangate.turnstile.siteverify import VerifyRequest
from humangate.turnstile.tokens import PURPOSES, WidgetContext, WidgetSeal
from tests.conftest import SECRET
from tests.stores.conftest import unique_prefix
from tests.stores.redis_server import RedisServer
from tests.stores.test_cross_process import _run as run_processes
from tests.turnstile import mp_verify
from tests.turnstile.support import SITEKEY, WIDGET_SECRET


def _tokens(count: int) -> list[str]:
    seal = WidgetSeal(KeyRing([SECRET], purposes=PURPOSES))
    context = WidgetContext("t", SITEKEY, "example.org", "", "")
    return [seal.issue(context, client_ip="", ua_hash="", now=time.time())[1] for _ in range(count)]


def test_threads_racing_for_one_token_get_one_success(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    check = mp_verify.verifier(SECRET, SITEKEY, WIDGET_SECRET)
    [value] = _tokens(1)
    start = threading.Barrier(8)
    results: list[bool] = []

    def race() -> None:
        start.wait(timeout=30)
        result = run_sync(check.verify(VerifyRequest(WIDGET_SECRET, value)), store)
        results.append(result.success)
        if not result.success:
            assert result.error_codes == ("timeout-or-duplicate",)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    store.close()
    assert sorted(results) == [False] * 7 + [True]


def test_two_processes_sharing_sqlite_each_token_succeeds_once(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    open_store(uri).close()  # create the schema before the race
    tokens = _tokens(60)
    keys = (SECRET, SITEKEY, WIDGET_SECRET)
    reports = run_processes(2, mp_verify.verify_all, lambda seed: (uri, keys, tokens, seed))
    won = [value for values in reports for value in values]
    assert sorted(won) == sorted(tokens)  # every token once, none twice


@pytest.mark.redis
def test_two_processes_sharing_redis_each_token_succeeds_once(redis_server: RedisServer) -> None:
    uri = f"{redis_server.url}?prefix={unique_prefix()}"
    tokens = _tokens(40)
    keys = (SECRET, SITEKEY, WIDGET_SECRET)
    reports = run_processes(2, mp_verify.verify_all, lambda seed: (uri, keys, tokens, seed))
    won = [value for values in reports for value in values]
    assert sorted(won) == sorted(tokens)
