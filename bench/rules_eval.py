"""Rule evaluation cost per request, in microseconds (timeit; best of 5 repeats).

For 10 and 100 custom rules of a realistic mix (paths, wildcards, headers, IP lists,
user agents) it measures, per request:

- no match: every rule evaluated, none matches, the default action decides
- first match: the first rule matches (the cheapest terminating case)
- phases+fields: the same no-match request including building the rule fields

Geo and bot fields are left out (their cost is the owner's database lookup).
Run: .venv/bin/python -m bench.rules_eval
"""

from __future__ import annotations

import timeit

from humangate import Config, Rule
from humangate.clientip import parse_ip
from humangate.effects import run_sync
from humangate.engine import Engine
from humangate.request import Request
from humangate.rules import compile_expression
from humangate.stores.memory import MemoryStore

IP = parse_ip("203.0.113.7")
SECRET = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"

_TEMPLATES = (
    'http.request.uri.path eq "/admin{n}"',
    'http.request.uri.path wildcard "/api/v{n}/*" and http.request.method eq "POST"',
    'starts_with(http.request.uri.path, "/private{n}/")',
    'http.user_agent contains "scanner{n}"',
    'http.request.headers["x-api-key"][0] eq "key{n}"',
    "ip.src in {{192.0.{n}.0/24 198.51.{n}.1}}",
    'lower(http.host) eq "host{n}.example"',
    'http.request.uri.query contains "debug={n}"',
    'http.cookie contains "banned{n}="',
    'any(http.request.headers.names[*] == "x-evil-{n}")',
)


def rules(count: int) -> list[Rule]:
    return [
        Rule(_TEMPLATES[i % len(_TEMPLATES)].format(n=i % 250), "managed_challenge")
        for i in range(count)
    ]


def request(path: str) -> Request:
    headers = (("host", "www.example.com"), ("user-agent", USER_AGENT), ("accept", "text/html"))
    return Request("GET", path, "q=1", headers, peer="203.0.113.7")


def per_call(func: object, number: int) -> float:
    timer = timeit.Timer(func)  # type: ignore[arg-type]
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def measure(count: int, store: MemoryStore) -> tuple[float, float, float]:
    config = Config(secret_keys=[SECRET], store="memory://", rules=rules(count))
    engine = Engine(config)
    miss, hit = request("/index.html"), request("/admin0")
    fields = engine.rule_fields(miss, IP, None)
    compiled = [compile_expression(rule.expression, config.lists) for rule in config.rules]

    def evaluate_all() -> None:
        fields._cache.clear()  # a fresh request each time, as in production
        for expression in compiled:
            expression.evaluate(fields)

    def through_phases(req: Request) -> None:
        run_sync(engine.phases.decide(engine.rule_fields(req, IP, None), IP), store)

    number = 2000 if count == 10 else 300
    return (
        per_call(evaluate_all, number),
        per_call(lambda: through_phases(hit), number),
        per_call(lambda: through_phases(miss), number),
    )


def main() -> None:
    store = MemoryStore()
    print(f"{'rules':>5}  {'no match':>10}  {'first match':>11}  {'phases+fields':>13}")
    for count in (10, 100):
        no_match, first, full = measure(count, store)
        print(f"{count:>5}  {no_match:>8.1f}µs  {first:>9.1f}µs  {full:>11.1f}µs")


if __name__ == "__main__":
    main()
