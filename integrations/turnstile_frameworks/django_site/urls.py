"""One form with the widget; the field verifies the token on ``is_valid()``."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import path

from humangate.contrib.django.turnstile import TurnstileField
from integrations.turnstile_frameworks.keys import SECRET, SITEKEY


class SignUpForm(forms.Form):
    email = forms.EmailField()
    human = TurnstileField(sitekey=SITEKEY, secret=SECRET, action="signup")


def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignUpForm(request.POST)
        form.fields["human"].remoteip = request.META.get("REMOTE_ADDR")  # type: ignore[attr-defined]
        if form.is_valid():
            return HttpResponse(f"Welcome, {form.cleaned_data['email']}.")
        return HttpResponseForbidden(str(form.errors))
    page = (
        '<!DOCTYPE html><title>Sign up</title><form method="post">'
        f"{SignUpForm()}<button>Sign up</button></form>"
    )
    return HttpResponse(page)


urlpatterns = [path("", signup)]
