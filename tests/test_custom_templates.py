"""Owner-supplied challenge pages (humangate.pages.custom) and `humangate template check`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from humangate import Config, ConfigError
from humangate.cli import main
from humangate.pages.custom import check_template, parse_template
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import WSGIClient, challenge_data

MINIMAL = """<!DOCTYPE html>
<html lang="en-US">
<head>
  <title>Example Title</title>
  <meta charset="UTF-8">
</head>
<body>
  <h1>Security check</h1>
  <p>Your IP: ::CLIENT_IP:: / ray ::RAY_ID:: / country ::GEO::</p>
  ::CF_WIDGET_BOX::
  <script nonce="::NONCE::">window.ownerAnalytics = true;</script>
  <script>window.unsigned = true;</script>
</body>
</html>
"""


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def gate(template: str, **overrides: Any) -> WSGIClient:
    settings: dict[str, Any] = {
        "secret_keys": [SECRET],
        "store": "memory://",
        "difficulty": 4,
        "challenge_template": template,
    }
    settings.update(overrides)
    return WSGIClient(HumanGate(site, Config(**settings)), ip="203.0.113.9")


# -- validation ----------------------------------------------------------------------------


def test_the_seeds_minimal_template_is_valid() -> None:
    assert check_template(MINIMAL) == []


@pytest.mark.parametrize("token", ["::CAPTCHA_BOX::", "::IM_UNDER_ATTACK_BOX::"])
def test_legacy_box_tokens_are_accepted(token: str) -> None:
    assert check_template(MINIMAL.replace("::CF_WIDGET_BOX::", token)) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (MINIMAL.replace("<head>", "").replace("</head>", ""), "no <head> tag"),
        (MINIMAL.replace("::CF_WIDGET_BOX::", ""), "no widget box"),
        (MINIMAL.replace("::CF_WIDGET_BOX::", "::CF_WIDGET_BOX:: ::CF_WIDGET_BOX::"),
         "appears 2 times"),
        (MINIMAL.replace("::CF_WIDGET_BOX::", "::CF_WIDGET_BOX:: ::CAPTCHA_BOX::"),
         "appears 2 times"),
        (MINIMAL.replace("<title>", "::CF_WIDGET_BOX::<title>").replace(
            "  ::CF_WIDGET_BOX::\n  <script", "  <script", 1), "inside <head>"),
        (MINIMAL.replace("<h1>", '<h1 id="humangate-status">'), "'humangate-'"),
        (MINIMAL.replace("window.unsigned", "window._cf_chl_opt = {}; window.x"),
         "window._cf_chl_opt"),
        (MINIMAL.replace("<title>", '<meta http-equiv="Content-Security-Policy" '
                         'content="default-src *"><title>'), "Content-Security-Policy"),
    ],
)  # fmt: skip
def test_template_problems_are_named(text: str, problem: str) -> None:
    problems = check_template(text)
    assert len(problems) == 1, problems
    assert problem in problems[0]


def test_every_problem_is_reported_at_once() -> None:
    assert len(check_template("<p>nothing here</p>")) == 2


def test_config_rejects_a_bad_template_with_a_clear_message() -> None:
    with pytest.raises(ConfigError, match="challenge_template: no widget box"):
        Config(secret_keys=[SECRET], store="memory://", challenge_template="<head></head>")


def test_config_reads_a_template_file(tmp_path: Path) -> None:
    path = tmp_path / "challenge.html"
    path.write_text(MINIMAL, encoding="utf-8")
    config = Config(secret_keys=[SECRET], store="memory://", challenge_template=str(path))
    assert config.compiled_template == parse_template(MINIMAL)
    with pytest.raises(ConfigError, match="challenge_template: cannot read"):
        Config(secret_keys=[SECRET], store="memory://", challenge_template=str(path) + ".x")


# -- rendering -----------------------------------------------------------------------------


def test_owner_page_with_widget_and_filled_tokens() -> None:
    client = gate(MINIMAL)
    answer = client.request("GET", "/page", headers={"cf-ipcountry": "FR"})
    assert answer.status == 403 and answer.header("cf-mitigated") == "challenge"
    body = answer.body.decode()
    ray = answer.header("humangate-ray") or ""
    assert "<h1>Security check</h1>" in body
    assert f"Your IP: 203.0.113.9 / ray {ray} / country " in body
    assert "::" not in body
    assert 'id="humangate-status"' in body and "humangate-troubleshooting" in body
    assert challenge_data(answer.body)["custom_template"] is True
    # The widget's styles go into the owner's <head>, with this response's nonce.
    csp = answer.header("content-security-policy") or ""
    nonce = csp.split("'nonce-")[1].split("'")[0]
    head = body.split("</head>")[0]
    assert f'<style nonce="{nonce}">' in head
    assert '<link rel="icon" href="/favicon.ico">' in head


def test_geo_token_is_the_country() -> None:
    client = gate(MINIMAL, trusted_proxies=["203.0.113.0/24"], country_header="cf-ipcountry")
    body = client.request("GET", "/page", headers={"cf-ipcountry": "FR"}).body.decode()
    assert "/ country FR</p>" in body


def test_owner_template_cannot_loosen_the_csp() -> None:
    answer = gate(MINIMAL).request("GET", "/page")
    csp = answer.header("content-security-policy") or ""
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert "unsafe-inline" not in csp and "default-src 'none'" in csp
    body = answer.body.decode()
    # ::NONCE:: lets the owner's analytics run; an unsigned inline script stays blocked.
    assert f'<script nonce="{nonce}">window.ownerAnalytics' in body
    assert "<script>window.unsigned" in body


def test_token_values_are_escaped() -> None:
    client = gate(MINIMAL, trusted_proxies=["203.0.113.0/24"], country_header="cf-ipcountry")
    body = client.request("GET", "/page", headers={"cf-ipcountry": "<b>"}).body.decode()
    assert "<b>" not in body.split("country")[1].split("</p>")[0]


def test_same_template_serves_every_challenge_type() -> None:
    for action in ("js_challenge", "managed_challenge", "challenge"):
        answer = gate(MINIMAL, default_action=action).request("GET", "/page")
        assert answer.status == 403
        assert "<h1>Security check</h1>" in answer.body.decode()


def test_owner_icon_link_is_kept() -> None:
    template = MINIMAL.replace("<title>", '<link rel="shortcut icon" href="/brand.png"><title>')
    body = gate(template).request("GET", "/page").body.decode()
    assert 'href="/brand.png"' in body
    assert 'href="/favicon.ico"' not in body


def test_widget_language_follows_accept_language_on_owner_pages() -> None:
    body = gate(MINIMAL).request("GET", "/page", headers={"accept-language": "ar"}).body.decode()
    assert '<html lang="en-US">' in body  # the owner's page is theirs
    assert re.search(r'id="humangate-widget"[^>]*lang="ar" dir="rtl"', body)


# -- the command -------------------------------------------------------------------------


def test_template_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.html", tmp_path / "bad.html"
    good.write_text(MINIMAL, encoding="utf-8")
    bad.write_text("<html><body>::CAPTCHA_BOX:: ::CF_WIDGET_BOX::</body></html>")
    assert main(["template", "check", str(good)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["template", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "no <head> tag" in out and "appears 2 times" in out
    assert main(["template", "check", str(tmp_path / "missing.html")]) == 1
    assert "cannot read" in capsys.readouterr().out
