"""Flask + WTForms with the widget: ``HUMANGATE_DEV_MODE=1 flask --app
integrations.turnstile_frameworks.flask_app run``; open http://127.0.0.1:5000/."""

from __future__ import annotations

from flask import Flask, abort
from wtforms import Form, StringField

from humangate.contrib.flask import HumanGate
from humangate.contrib.turnstile_flask import turnstile_required, turnstile_widget
from humangate.contrib.wtforms import TurnstileField
from integrations.turnstile_frameworks.keys import SECRET, SITEKEY, config


class CommentForm(Form):
    comment = StringField("Comment")
    human = TurnstileField(sitekey=SITEKEY, secret=SECRET, action="comment")


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["HUMANGATE"] = config()
    HumanGate(app)

    @app.get("/")
    def comment_page() -> str:
        form = CommentForm()
        return (
            '<!DOCTYPE html><title>Comment</title><form method="post" action="/comment">'
            f"{form.comment.label} {form.comment()} {form.human()}"
            "<button>Post</button></form>"
            f'<form method="post" action="/subscribe">{turnstile_widget(SITEKEY)}'
            "<button>Subscribe</button></form>"
        )

    @app.post("/comment")
    def comment() -> str:
        from flask import request  # noqa: PLC0415 - the request-bound proxy

        form = CommentForm(request.form)
        form.human.remoteip = request.remote_addr
        if not form.validate():
            abort(403)
        return f"Thanks for the comment, verified on {form.human.result.hostname}."

    @app.post("/subscribe")
    @turnstile_required(secret=SECRET)
    def subscribe() -> str:
        return "Subscribed."

    return app


app = create_app()
