"""Flask behind humangate: ``gunicorn integrations.flask_app.app:application``.

``/open/form`` (allowed by the demo rules) holds a form that posts to the challenged
``/contact``: the gate keeps the body sealed during the challenge and replays it.
"""

from __future__ import annotations

from flask import Flask, request
from markupsafe import escape

from humangate.contrib.flask import HumanGate, clearance
from integrations.settings import config_from_environment, record_hit

FORM_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Contact</title></head><body>
<h1>Contact us</h1>
<form id="contact" method="post" action="/contact">
<label>Name <input name="name" value="Ada Lovelace"></label>
<label>Message <textarea name="message">Hello, gate!</textarea></label>
<button>Send</button>
</form>
<script>if (location.hash === "#send") document.getElementById("contact").submit();</script>
</body></html>
"""


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["HUMANGATE"] = config_from_environment()
    HumanGate(app)

    @app.before_request
    def hits() -> None:
        # Server-side proof for the browser tests: only requests that got past the gate.
        record_hit(request.full_path.rstrip("?"))

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.get("/open/form")
    def form() -> str:
        return FORM_PAGE

    @app.post("/contact")
    def contact() -> str:
        record_hit(f"POST /contact name={request.form.get('name', '')}")
        return f"<!DOCTYPE html><title>Thanks</title><p>Thanks, {escape(request.form['name'])}!"

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def page(path: str) -> str:
        seen = clearance()
        level = seen.level.label if seen else "none"
        return f"<!DOCTYPE html><title>Flask example</title><h1>Welcome</h1><p>level {level}</p>"

    return app


application = create_app()
