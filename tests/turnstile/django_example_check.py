"""Runs the Django example (its own settings module) through Django's test client in a
child process: form page, the widget's frame and solve, then the form POST twice."""

from __future__ import annotations

import json
import os

os.environ["DJANGO_SETTINGS_MODULE"] = "integrations.turnstile_frameworks.django_site.settings"

import django

django.setup()

from django.test import Client  # noqa: E402

from integrations.turnstile_frameworks.keys import SITEKEY  # noqa: E402
from tests.conftest import BROWSER_UA as UA  # noqa: E402
from tests.support import challenge_data, frame_solution  # noqa: E402


def main() -> None:
    client = Client(HTTP_USER_AGENT=UA, HTTP_ACCEPT="text/html")
    page = client.get("/").content.decode()
    frame = client.get(
        "/.humangate/turnstile/v0/frame",
        {"k": SITEKEY, "o": "http://testserver", "w": "w", "a": "signup"},
    )
    challenge = challenge_data(frame.content)["challenge"]
    token = client.post(
        challenge["solve_url"], frame_solution(challenge), content_type="application/json"
    )
    form = {"email": "person@example.org", "cf-turnstile-response": token.json()["token"]}
    first, second = client.post("/", form), client.post("/", form)
    print(json.dumps({"page": page, "first": first.status_code, "second": second.status_code}))


main()
