"""A Django form field for the Turnstile-compatible widget.

    from humangate.contrib.django.turnstile import TurnstileField

    class SignUpForm(forms.Form):
        email = forms.EmailField()
        human = TurnstileField(sitekey="0x4AAAAAAA…", secret=settings.WIDGET_SECRET,
                               action="signup")

The widget renders Cloudflare's markup with humangate's script; on ``is_valid()`` the
token is verified (in process when the middleware serves the widget; give ``url=`` for
a remote humangate). Pass the visitor's address with ``form.fields["human"].remoteip =
request.META["REMOTE_ADDR"]`` to also bind the check to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe

from humangate.turnstile.forms import RESPONSE_FIELD, check_token, widget_html


class TurnstileWidget(forms.Widget):
    """Renders the widget; its value is the form's ``cf-turnstile-response`` field."""

    def __init__(self, sitekey: str, prefix: str, params: Mapping[str, str]) -> None:
        super().__init__()
        self.sitekey = sitekey
        self.prefix = prefix
        self.params = dict(params)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        return mark_safe(widget_html(self.sitekey, prefix=self.prefix, **self.params))  # noqa: S308 - escaped by widget_html

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(RESPONSE_FIELD)


class TurnstileField(forms.Field):
    default_error_messages = {  # noqa: RUF012 - Django's own convention
        "required": "Please complete the check that you are a person.",
        "invalid": "The check that you are a person did not pass; please try again.",
    }

    def __init__(
        self,
        *,
        sitekey: str,
        secret: str,
        action: str | None = None,
        prefix: str = "/.humangate/",
        url: str | None = None,
        **widget_params: str,
    ) -> None:
        params = {**({"action": action} if action else {}), **widget_params}
        super().__init__(widget=TurnstileWidget(sitekey, prefix, params), label="")
        self.secret = secret
        self.action = action
        self.url = url
        self.remoteip: str | None = None
        self.result: Any = None

    def validate(self, value: Any) -> None:
        super().validate(value)
        self.result = check_token(
            value, secret=self.secret, remoteip=self.remoteip, action=self.action, url=self.url
        )
        if not self.result.success:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
