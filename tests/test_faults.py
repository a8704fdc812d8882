"""Store outages through the whole gate, against a real redis-server stopped, frozen
(SIGSTOP) and restarted while requests keep coming (issue 14, point 5):

* visitors with a clearance never reach the store, so an outage cannot slow them down;
* requests that need the store fail fast once the circuit breaker has seen the first
  failures, instead of each waiting the socket timeout;
* everything recovers once the server answers again, without a restart;
* ``store_failure="open"`` accepts a solution at most once per process.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from humangate import Config, Rule
from humangate.asgi import HumanGate as AsgiGate
from humangate.config import RateLimit
from humangate.effects import Increment, IsSpent, Operation, Spend
from humangate.errors import StoreError
from humangate.faults import LocalSpends, tolerate_one
from humangate.stores.breaker import FAILURES_TO_OPEN, GuardedStore
from tests.conftest import SECRET
from tests.observe.helpers import gate
from tests.stores.redis_server import RedisServer
from tests.support import WSGIClient, challenge_data, solution
from tests.test_asgi import client_for
from tests.test_asgi import site as asgi_site

API = RateLimit('starts_with(http.request.uri.path, "/api")', requests_per_period=1000)
CLEARED_THREADS, CLEARED_REQUESTS = 4, 40
SOLVER_THREADS, SOLVES = 2, 6


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def solve_body(client: WSGIClient, path: str = "/login") -> tuple[str, bytes]:
    page = client.request("GET", path)
    assert page.status == 403, page.status
    data = challenge_data(page.body)
    return data["solve_url"], solution(data)


def post_solve(client: WSGIClient, url: str, body: bytes) -> int:
    headers = {"content-type": "application/json"}
    return client.request("POST", url, body=body, headers=headers, html=False).status


def solve(client: WSGIClient, path: str = "/login") -> int:
    return post_solve(client, *solve_body(client, path))


def store_of(client: WSGIClient) -> GuardedStore:
    store = client.app.gate.store
    assert isinstance(store, GuardedStore)
    return store


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the store did not come back in time"
        time.sleep(0.05)


def recovered(client: WSGIClient) -> bool:
    """One request that needs the store (a rate-limit count); is the circuit closed?"""
    WSGIClient(client.app).request("GET", "/api")
    return store_of(client).breaker.state == "closed"


class Load:
    """Cleared visitors and solvers in threads at once; statuses counted per kind."""

    def __init__(self, cleared: WSGIClient, rounds: int = 1) -> None:
        self.cleared = cleared
        self.rounds = rounds
        self.statuses: dict[str, Counter[int]] = {"cleared": Counter(), "solve": Counter()}
        self._lock = threading.Lock()

    def _note(self, kind: str, status: int) -> None:
        with self._lock:
            self.statuses[kind][status] += 1

    def _browse(self) -> None:
        client = WSGIClient(self.cleared.app)
        client.cookies = dict(self.cleared.cookies)
        for i in range(CLEARED_REQUESTS * self.rounds):
            self._note("cleared", client.request("GET", "/login" if i % 2 else "/").status)

    def _solve(self) -> None:
        for _ in range(SOLVES * self.rounds):
            self._note("solve", solve(WSGIClient(self.cleared.app)))

    def run(self, *, solvers: bool, during: Callable[[], None] | None = None) -> None:
        with ThreadPoolExecutor(CLEARED_THREADS + SOLVER_THREADS + 1) as pool:
            jobs = [pool.submit(self._browse) for _ in range(CLEARED_THREADS)]
            if solvers:
                jobs += [pool.submit(self._solve) for _ in range(SOLVER_THREADS)]
            if during is not None:
                jobs.append(pool.submit(during))
            for job in jobs:
                job.result()


def cleared_gate(redis: RedisServer, **overrides: Any) -> WSGIClient:
    client = WSGIClient(gate(store=f"{redis.url}?prefix=load:", rate_limits=[API], **overrides))
    assert solve(client) == 200
    assert client.request("GET", "/login").status == 200
    return client


@pytest.mark.redis
@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_outage_under_load(redis: RedisServer, fault: str) -> None:
    client = cleared_gate(redis)
    breaker = store_of(client).breaker
    redis.stop() if fault == "stopped" else redis.freeze()

    # Cleared visitors alone: not one operation reaches (or is refused by) the store.
    before = (breaker.attempts, breaker.refused)
    load = Load(client)
    load.run(solvers=False)
    assert load.statuses["cleared"] == {200: CLEARED_THREADS * CLEARED_REQUESTS}
    assert (breaker.attempts, breaker.refused) == before

    # With solvers at the same time: cleared visitors still all pass; every solve is
    # refused (store_failure="closed"), and after the first failures without asking.
    attempts = breaker.attempts
    load = Load(client)
    load.run(solvers=True)
    assert load.statuses["cleared"] == {200: CLEARED_THREADS * CLEARED_REQUESTS}
    assert load.statuses["solve"] == {503: SOLVER_THREADS * SOLVES}
    # Requests that reached the store: those in flight until the circuit opened. After
    # that a background probe asks the store, never a request, whatever the time taken.
    assert breaker.attempts - attempts <= FAILURES_TO_OPEN + SOLVER_THREADS - 1
    assert breaker.refused >= SOLVER_THREADS * SOLVES - FAILURES_TO_OPEN - SOLVER_THREADS + 1

    redis.start() if fault == "stopped" else redis.thaw()
    wait_for(lambda: recovered(client))
    assert solve(WSGIClient(client.app)) == 200
    assert client.request("GET", "/login").status == 200


@pytest.mark.redis
def test_restart_while_under_load(redis: RedisServer) -> None:
    client = cleared_gate(redis)

    def restart() -> None:
        time.sleep(0.1)
        redis.restart()

    load = Load(client, rounds=4)
    load.run(solvers=True, during=restart)
    assert load.statuses["cleared"] == {200: CLEARED_THREADS * CLEARED_REQUESTS * 4}
    assert set(load.statuses["solve"]) <= {200, 503}  # never a 500
    wait_for(lambda: recovered(client))
    assert solve(WSGIClient(client.app)) == 200


@pytest.mark.redis
@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_open_policy_accepts_a_solution_once_per_process(redis: RedisServer, fault: str) -> None:
    client = WSGIClient(
        gate(store=f"{redis.url}?prefix=open:", store_failure="open", rate_limits=[API])
    )
    url, body = solve_body(client)
    redis.stop() if fault == "stopped" else redis.freeze()
    # The same solution five times during the outage: accepted once (it was 5 of 5).
    statuses = [post_solve(WSGIClient(client.app), url, body) for _ in range(5)]
    assert statuses == [200, 403, 403, 403, 403]
    redis.start() if fault == "stopped" else redis.thaw()
    wait_for(lambda: recovered(client))
    # The store never heard of it; this process still remembers it.
    assert post_solve(WSGIClient(client.app), url, body) == 403
    assert solve(WSGIClient(client.app)) == 200


def run_spend(spends: LocalSpends, mode: str, store_result: object) -> bool | None:
    warned: list[BaseException] = []
    flow = spends.spend_once(Spend("ticket:x", 60), mode, warned.append)
    assert next(flow) == Spend("ticket:x", 60)
    try:
        if isinstance(store_result, BaseException):
            flow.throw(store_result)
        else:
            flow.send(store_result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    raise AssertionError("spend_once asked for a second operation")


def test_local_spends_closed_mode_refuses_during_an_outage() -> None:
    spends = LocalSpends()
    assert run_spend(spends, "closed", StoreError("down")) is None
    assert run_spend(spends, "closed", True) is True  # nothing was spent locally


def test_local_spends_open_mode() -> None:
    spends = LocalSpends()
    assert run_spend(spends, "open", StoreError("down")) is True
    assert run_spend(spends, "open", StoreError("down")) is False
    assert run_spend(spends, "open", True) is False  # store back, unaware: still spent
    assert run_spend(LocalSpends(), "open", True) is True
    assert run_spend(LocalSpends(), "open", False) is False


async def asgi_solve(client: httpx.AsyncClient, path: str = "/login") -> int:
    page = await client.get(path)
    assert page.status_code == 403, page.status_code
    data = challenge_data(page.content)
    headers = {"content-type": "application/json"}
    answer = await client.post(data["solve_url"], content=solution(data), headers=headers)
    return answer.status_code


@pytest.mark.redis
@pytest.mark.parametrize("fault", ["stopped", "frozen"])
async def test_outage_under_load_asgi(redis: RedisServer, fault: str) -> None:
    rules = [Rule('starts_with(http.request.uri.path, "/login")', "challenge")]
    config = Config(
        secret_keys=[SECRET],
        store=f"{redis.url}?prefix=asgi:",
        difficulty=4,
        default_action="allow",
        rules=rules,
        rate_limits=[API],
    )
    app = AsgiGate(asgi_site, config)
    async with client_for(app) as cleared:
        assert await asgi_solve(cleared) == 200
        store = app.gate.store
        assert isinstance(store, GuardedStore)
        breaker = store.breaker
        redis.stop() if fault == "stopped" else redis.freeze()

        before = (breaker.attempts, breaker.refused)
        pages = await asyncio.gather(*(cleared.get(f"/login?{i}") for i in range(100)))
        assert {page.status_code for page in pages} == {200}
        assert (breaker.attempts, breaker.refused) == before  # no store call at all

        attempts, statuses = breaker.attempts, []
        for _ in range(SOLVES):  # SOLVER_THREADS solves at a time, with cleared traffic
            fresh = [client_for(app) for _ in range(SOLVER_THREADS)]
            results = await asyncio.gather(
                *(asgi_solve(c) for c in fresh), *(cleared.get("/login") for _ in range(10))
            )
            statuses += results[:SOLVER_THREADS]
            assert {r.status_code for r in results[SOLVER_THREADS:]} == {200}
            for client in fresh:
                await client.aclose()
        assert set(statuses) == {503}
        assert breaker.attempts - attempts <= FAILURES_TO_OPEN + SOLVER_THREADS - 1

        redis.start() if fault == "stopped" else redis.thaw()
        deadline = time.monotonic() + 30
        while breaker.state != "closed":
            assert time.monotonic() < deadline, "the store did not come back in time"
            async with client_for(app) as other:
                await other.get("/api")  # a rate-limit count: needs the store
            await asyncio.sleep(0.05)
        async with client_for(app) as other:
            assert await asgi_solve(other) == 200


@pytest.mark.parametrize(
    ("mode", "operation", "expected"),
    [
        ("open", Increment("k", 60, 1), 1),  # this request alone: never over a limit
        ("closed", Increment("k", 60, 1), 2**62),  # over any limit
        ("open", Increment("k", 60, 0), 0),  # a read counts nothing
        ("open", IsSpent("k"), False),
        ("closed", IsSpent("k"), True),
        ("open", Spend("k", 60), True),
    ],
)
def test_tolerate_one_answers_an_operation_the_store_failed(
    mode: str, operation: Operation, expected: object
) -> None:
    warned: list[BaseException] = []
    flow = tolerate_one(operation, warned.append, mode)
    assert next(flow) == operation
    with pytest.raises(StopIteration) as done:
        flow.throw(StoreError("down"))
    assert done.value.value == expected
    assert len(warned) == 1
    # The store answered: its own result, untouched, and no warning.
    flow = tolerate_one(operation, warned.append, mode)
    next(flow)
    with pytest.raises(StopIteration) as done:
        flow.send(7)
    assert done.value.value == 7
    assert len(warned) == 1
