"""A WTForms field for the Turnstile-compatible widget (Flask-WTF or plain WTForms).

    class SignUpForm(FlaskForm):
        email = StringField()
        human = TurnstileField(sitekey="0x4AAAAAAA…", secret=WIDGET_SECRET, action="signup")

The field renders the widget and, on ``validate()``, verifies the token from the form's
``cf-turnstile-response`` value.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from wtforms import Field, ValidationError
from wtforms.form import BaseForm

from humangate.turnstile.forms import RESPONSE_FIELD, check_token, widget_html


class TurnstileField(Field):
    def __init__(
        self,
        label: str = "",
        validators: Any = None,
        *,
        sitekey: str,
        secret: str,
        action: str | None = None,
        prefix: str = "/.humangate/",
        url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.sitekey = sitekey
        self.secret = secret
        self.action = action
        self.prefix = prefix
        self.url = url
        self.remoteip: str | None = None
        self.result: Any = None

    def __call__(self, **params: Any) -> Markup:
        extra = {"action": self.action} if self.action else {}
        return Markup(widget_html(self.sitekey, prefix=self.prefix, **extra, **params))  # noqa: S704 - escaped by widget_html

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        # The token arrives under Turnstile's field name, not this field's own.
        super().process(None, data, extra_filters)
        if formdata is not None:
            self.data = formdata.get(RESPONSE_FIELD)

    def pre_validate(self, form: BaseForm) -> None:
        self.result = check_token(
            self.data, secret=self.secret, remoteip=self.remoteip, action=self.action, url=self.url
        )
        if not self.result.success:
            raise ValidationError("The check that you are a person did not pass.")
