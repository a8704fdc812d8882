"""The app for e2e/test_held_form_address.py: where a held form's answer ends up.

``/form`` (allowed) submits its form at once to ``/contact?step=2`` (a managed
challenge), as a person pressing "Send" would. The gate holds it, the holding page runs
the check and sends it back; the app's answer is a plain 200 page whose script reports
what the browser's address bar shows (``location``), then navigates to that same
address, as a bookmark or a typed URL would. Everything is recorded in the hits file.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from humangate import Config, Rule
from humangate.wsgi import HumanGate
from integrations.settings import record_hit

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

FORM = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Contact</title></head><body>
<form id="contact" method="post" action="/contact?step=2">
<input name="name" value="Ada Lovelace"><button>Send</button>
</form>
<script>document.getElementById("contact").submit();</script>
</body></html>
"""

THANKS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Thanks</title></head><body>
<p>Thanks, {name}.</p>
<script>
const here = location.pathname + location.search;
fetch("/seen?at=" + encodeURIComponent(here)).then(() => location.assign(here));
</script>
</body></html>
"""


def _page(start_response: StartResponse, body: str, status: str = "200 OK") -> list[bytes]:
    start_response(status, [("content-type", "text/html; charset=utf-8")])
    return [body.encode()]


def site(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    method = environ.get("REQUEST_METHOD", "GET")
    query = environ.get("QUERY_STRING", "")
    if path == "/healthz":
        record_hit(path)
        return _page(start_response, "ok")
    if path == "/form":
        return _page(start_response, FORM)
    if path == "/seen":
        record_hit(f"seen {parse_qs(query).get('at', [''])[0]}")
        return _page(start_response, "")
    if path == "/contact" and method == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(length).decode())
        name = form.get("name", [""])[0]
        replayed = environ.get("HTTP_X_HUMANGATE_REPLAYED")
        record_hit(f"POST /contact?{query} name={name} replayed={replayed}")
        return _page(start_response, THANKS.format(name=html.escape(name)))
    if path == "/contact":
        mode = environ.get("HTTP_SEC_FETCH_MODE", "")
        record_hit(f"{method} /contact?{query} mode={mode}")
        return _page(start_response, "<!DOCTYPE html><title>Contact</title><p>Write to us.")
    return _page(start_response, "not found", "404 Not Found")


application = HumanGate(
    site,
    Config.from_env(
        difficulty=int(os.environ.get("HUMANGATE_DIFFICULTY", "14")),
        default_action="allow",
        rules=[Rule('starts_with(http.request.uri.path, "/contact")', "managed_challenge")],
    ),
)
