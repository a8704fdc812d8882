"""The PyPI package django-turnstile, configured only with humangate's two URLs.

Run as a child process (its settings are read once, at import): reads the URLs, keys
and a token from the environment, renders the package's form field and validates the
token twice; prints what it saw as JSON.
"""

from __future__ import annotations

import json
import os

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="third-party-client-test",
    INSTALLED_APPS=["django.forms", "turnstile"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    FORM_RENDERER="django.forms.renderers.TemplatesSetting",
    TURNSTILE_JS_API_URL=os.environ["API_JS_URL"],
    TURNSTILE_VERIFY_URL=os.environ["SITEVERIFY_URL"],
    TURNSTILE_SITEKEY=os.environ["SITEKEY"],
    TURNSTILE_SECRET=os.environ["SECRET"],
)
django.setup()

from django import forms  # noqa: E402 - after settings, as Django requires
from turnstile.fields import TurnstileField  # noqa: E402


class ContactForm(forms.Form):
    turnstile = TurnstileField()


def main() -> None:
    data = {"cf-turnstile-response": os.environ["TOKEN"]}
    first, second = ContactForm(data), ContactForm(data)
    print(
        json.dumps(
            {
                "html": str(ContactForm()),
                "first": first.is_valid(),
                "second": second.is_valid(),
                "second_errors": second.errors.get("turnstile", []),
            }
        )
    )


main()
