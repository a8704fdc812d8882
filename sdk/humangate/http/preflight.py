"""CORS preflights: the one kind of request a challenge action lets through unsolved.

A preflight never carries cookies, so no clearance could ever let it pass, and
challenging it breaks every cross-origin call before the real request (which *is*
challenged) is sent. But "OPTIONS with Access-Control-Request-Method" is easy to forge
and would hand the app anything it carries. So only a request shaped the way browsers
send preflights passes unsolved (Fetch standard, "CORS-preflight request"):

* method ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method`` (a method
  token);
* no body: no ``Transfer-Encoding`` and no ``Content-Length`` other than ``0``.

Anything else meets the action like any other request. Blocks always apply. The app
answers the preflight as it would without humangate (its CORS settings decide).
"""

from __future__ import annotations

import re

from humangate.http.request import Request

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}")


def is_cors_preflight(request: Request) -> bool:
    if request.method != "OPTIONS" or not request.header("origin"):
        return False
    method = request.header("access-control-request-method")
    if method is None or _TOKEN.fullmatch(method.strip()) is None:
        return False
    if request.header("transfer-encoding") is not None:
        return False
    return (request.header("content-length") or "0").strip() == "0" and not request.body
