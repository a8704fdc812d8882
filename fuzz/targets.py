"""Coverage-guided fuzz targets (atheris, libFuzzer's engine for Python).

Run by ``make fuzz`` (fuzz/run.py) for a bounded time each; every input must end in a
value or one of the documented error types, anything else is a crash libFuzzer reports
with the input that caused it (saved as ``crash-*`` in the working directory).

    decoders  the clearance cookie, the solve ticket, the held-POST envelope and the
              solve body; the first byte of the input picks which
    rules     the rules parser, type checker and compiler, then evaluation of what
              compiles on a fixed request
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from ipaddress import ip_address

import atheris

with atheris.instrument_imports(include=["humangate"]):
    from humangate.clearance import ClearanceCodec
    from humangate.errors import ExpressionError, TokenError
    from humangate.replay import ReplayDesk
    from humangate.request import Request, cookie_value
    from humangate.rules import compile_expression
    from humangate.rules.context import RequestFields
    from humangate.solve_body import parse_solve_body
    from humangate.tickets import TicketBook
    from humangate.tokens import KeyRing

SECRET = "fuzz-secret-0123456789abcdefghijklmnopqrstuvwxyz"
KEYS = KeyRing([SECRET], purposes=("ticket", "clearance", "replay"))
CODEC = ClearanceCodec(KEYS, ttl=1800, skew=30, xhr_grace=60)
BOOK = TicketBook(KEYS, ttl=300)
DESK = ReplayDesk(KEYS, max_body=4096, ttl=300, prefix="/.hg/")
IP = ip_address("192.0.2.1")
FORM = (("content-type", "application/x-www-form-urlencoded"),)
LISTS = {"offices": ["192.0.2.0/24"], "ports": [80, 443]}
REQUEST = Request(
    "POST",
    "/api/v1/x",
    "a=1&b=%7B%22k%22%3A1%7D",
    (("cookie", "s=1; t=2"), ("user-agent", "Mozilla/5.0"), ("host", "example.com")),
    peer="192.0.2.1",
)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def decoders(data: bytes) -> None:
    if not data:
        return
    which, rest = data[0] % 5, data[1:]
    if which == 0:
        CODEC.bound(_text(rest), "binding")
    elif which == 1:
        with contextlib.suppress(TokenError):
            BOOK.open(_text(rest))
    elif which == 2:
        DESK.open(Request("POST", "/form", headers=FORM, body=rest), IP, 1000.0)
    elif which == 3:
        parse_solve_body(rest)
    else:
        cookie_value(_text(rest), "__hg")


def rules(data: bytes) -> None:
    try:
        expression = compile_expression(_text(data), LISTS)
    except ExpressionError:
        return
    result = expression.evaluate(RequestFields(REQUEST, IP, {}))
    if result not in (True, False):
        raise AssertionError(f"evaluation gave {result!r}")


TARGETS: dict[str, Callable[[bytes], None]] = {"decoders": decoders, "rules": rules}

if __name__ == "__main__":
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()
