"""The pages visitors see: language choice, direction, states, block and rate-limit pages,
the catalog endpoint and the favicon (humangate.pages, humangate.i18n via the engine)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from humangate import Config, ConfigError, Rule, pages
from humangate.config import RateLimit
from humangate.i18n import available, catalog
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import WSGIClient, challenge_data, solution, wrong_nonce

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def client(**overrides: Any) -> WSGIClient:
    settings: dict[str, Any] = {"secret_keys": [SECRET], "store": "memory://", "difficulty": 4}
    settings.update(overrides)
    return WSGIClient(HumanGate(site, Config(**settings)))


def page_for(language_header: str | None, **overrides: Any) -> str:
    headers = {"accept-language": language_header} if language_header is not None else {}
    answer = client(**overrides).request("GET", "/page", headers=headers)
    assert answer.status == 403
    return answer.body.decode("utf-8")


def root_attrs(page: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)"', page)
    assert match is not None
    return match.group(1), match.group(2)


# -- language choice ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang", "direction"),
    [
        (None, "en", "ltr"),
        ("ar-EG,ar;q=0.9,en;q=0.5", "ar", "rtl"),
        ("fa-IR", "fa", "rtl"),
        ("ja,en-US;q=0.7", "ja", "ltr"),
        ("pt-PT", "pt-br", "ltr"),
        ("zh-HK", "zh-tw", "ltr"),
        ("sv-SE, *;q=0.1", "en", "ltr"),
        ("und", "en", "ltr"),
        ("\u00ff\u00fe;q=;;,", "en", "ltr"),
    ],
)
def test_first_paint_language_from_accept_language(
    header: str | None, lang: str, direction: str
) -> None:
    page = page_for(header)
    assert root_attrs(page) == (lang, direction)
    assert html.escape(catalog(lang)["heading"]) in page
    assert challenge_data(page.encode())["language"] == lang


def test_owner_can_force_a_language() -> None:
    page = page_for("de-DE", language="pt")
    assert root_attrs(page) == ("pt-br", "ltr")
    data = challenge_data(page.encode())
    assert data["language_forced"] is True and data["language"] == "pt-br"


def test_unknown_forced_language_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="language: 'klingon' has no catalog"):
        Config(secret_keys=[SECRET], store="memory://", language="klingon")


def test_challenge_data_lets_the_page_switch_language() -> None:
    data = challenge_data(page_for("fr").encode())
    assert data["language_forced"] is False
    assert set(data["languages"]) == set(available())
    assert data["i18n_url"] == "/.humangate/i18n/"
    assert data["messages"]["working"] == catalog("fr")["working"]


@pytest.mark.parametrize("code", sorted(available()))
def test_every_language_renders_every_page_completely(code: str) -> None:
    page = page_for(code)
    assert root_attrs(page)[0] == code
    for key in ("title", "heading", "lead", "noscript", "troubleshooting_7", "retry_button"):
        assert html.escape(catalog(code)[key]) in page, key
    block = client(rules=[Rule('http.request.uri.path eq "/x"', "block")])
    answer = block.request("GET", "/x", headers={"accept-language": code})
    assert answer.status == 403
    assert html.escape(catalog(code)["block_heading"]) in answer.body.decode()


def test_no_template_placeholder_survives() -> None:
    # string.Template leaves nothing behind; a "$name" in output means a missing key.
    for header in ("en", "ar", "ja"):
        assert re.search(r"\$[a-z_]+", page_for(header)) is None


def test_block_and_rate_limit_pages_are_translated() -> None:
    gate = client(
        rate_limits=[RateLimit('http.request.uri.path eq "/api"', requests_per_period=1, period=60)]
    )
    ja = {"accept-language": "ja"}
    assert gate.request("GET", "/api", headers=ja).status != 429
    limited = gate.request("GET", "/api", headers=ja)
    assert limited.status == 429
    body = limited.body.decode()
    assert root_attrs(body) == ("ja", "ltr")
    assert html.escape(catalog("ja")["rate_limited_heading"]) in body
    blocked = client(rules=[Rule('http.request.uri.path eq "/x"', "block")]).request(
        "GET", "/x", headers={"accept-language": "fa"}
    )
    assert root_attrs(blocked.body.decode()) == ("fa", "rtl")


def test_solve_failure_message_follows_the_language() -> None:
    gate = client()
    page = gate.request("GET", "/page")
    data = challenge_data(page.body)
    failed = gate.request(
        "POST",
        data["solve_url"],
        body=solution(data, nonce=wrong_nonce(data)),
        headers={"content-type": "application/json", "accept-language": "de"},
        html=False,
    )
    assert failed.status == 403
    assert failed.json()["message"] == catalog("de")[f"failure_{failed.json()['reason']}"]


# -- page states in the markup -----------------------------------------------------------


def test_page_has_every_state_element_and_they_start_hidden() -> None:
    page = page_for("en")
    for element in ("unsupported", "interaction", "retry-row", "troubleshooting"):
        tag = re.search(rf'<[a-z]+ id="humangate-{element}"[^>]*>', page)
        assert tag is not None and " hidden" in tag.group(0), element
    assert 'role="status" aria-live="polite"' in page
    assert "<noscript>" in page


def test_compat_script_carries_the_nonce() -> None:
    answer = client().request("GET", "/page")
    csp = answer.header("content-security-policy") or ""
    nonce = csp.split("'nonce-")[1].split("'")[0]
    scripts = re.findall(r"<script\b[^>]*>", answer.body.decode())
    executable = [tag for tag in scripts if 'type="application/json"' not in tag]
    assert len(executable) == 2
    assert all(f'nonce="{nonce}"' in tag for tag in executable)


def test_reduced_motion_and_dark_mode_in_the_styles() -> None:
    page = page_for("en")
    assert "prefers-reduced-motion: reduce" in page
    assert "prefers-color-scheme: dark" in page


# -- catalog endpoint ----------------------------------------------------------------------


def test_catalog_endpoint_serves_each_language() -> None:
    gate = client()
    answer = gate.request("GET", "/.humangate/i18n/zh-tw.json", html=False)
    assert answer.status == 200
    assert answer.header("content-type") == "application/json; charset=utf-8"
    assert "max-age" in (answer.header("cache-control") or "")
    assert answer.json() == catalog("zh-tw")
    again = gate.request(
        "GET", "/.humangate/i18n/zh-tw.json", html=False,
        headers={"if-none-match": answer.header("etag") or ""},
    )  # fmt: skip
    assert again.status == 304 and again.body == b""


@pytest.mark.parametrize("name", ["xx.json", "en", "../en.json", "en.json.bak", ""])
def test_catalog_endpoint_404s_unknown_names(name: str) -> None:
    assert client().request("GET", f"/.humangate/i18n/{name}", html=False).status == 404


def test_catalog_endpoint_is_read_only() -> None:
    answer = client().request("POST", "/.humangate/i18n/en.json", html=False)
    assert answer.status == 405


# -- favicon -------------------------------------------------------------------------------


def test_default_favicon_is_the_sites_own() -> None:
    assert '<link rel="icon" href="/favicon.ico">' in page_for("en")
    assert client().request("GET", "/.humangate/favicon.ico", html=False).status == 404


def test_owner_favicon_is_linked_and_served(tmp_path: Any) -> None:
    icon = tmp_path / "icon.png"
    icon.write_bytes(PNG)
    gate = client(favicon=str(icon))
    page = gate.request("GET", "/page").body.decode()
    assert '<link rel="icon" href="/.humangate/favicon.ico">' in page
    served = gate.request("GET", "/.humangate/favicon.ico", html=False)
    assert served.status == 200 and served.body == PNG
    assert served.header("content-type") == "image/png"


def test_svg_favicon_is_sandboxed() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    served = client(favicon=svg).request("GET", "/.humangate/favicon.ico", html=False)
    assert served.header("content-type") == "image/svg+xml"
    assert "sandbox" in (served.header("content-security-policy") or "")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"", "expected a file path"),
        (b"hello", "not an ICO, PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 300_000, "larger than"),
        ("/nonexistent/icon.ico", "cannot read"),
    ],
)
def test_bad_favicon_is_a_config_error(value: str | bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=f"favicon: .*{message}"):
        Config(secret_keys=[SECRET], store="memory://", favicon=value)


def test_page_settings_from_toml(tmp_path: Any) -> None:
    (tmp_path / "t.html").write_text("<html><head></head><body>::CF_WIDGET_BOX::</body></html>")
    conf = tmp_path / "hg.toml"
    conf.write_text(
        f'secret_keys = ["{SECRET}"]\nstore = "memory://"\nlanguage = "zh-Hant"\n'
        + f'challenge_template = "{tmp_path / "t.html"}"\n'
    )
    config = Config.from_toml(conf)
    assert config.language == "zh-tw"
    assert config.compiled_template is not None


@pytest.mark.parametrize("code", sorted(available()))
def test_the_built_in_page_is_the_widget_filled_into_the_layout(code: str) -> None:
    # The built-in page is filled in one pass over the layout with the widget written
    # in; it must be exactly the widget filled, then the layout filled around it.
    values = {
        "nonce": "n0nce+/=",
        "host": "<host>&",
        "ray": "0123456789abcdef",
        "client_ip": "2001:db8::1",
        "script_url": "/.humangate/static/challenge.abc.js?x=<y>",
        "challenge_json": '{"a":"$ray \\u003c$$"}',
    }
    compat = ("compat_js", pages._text("compat.js").strip())
    widget = pages._fill(
        "widget.html",
        code,
        {"ray": values["ray"], "script_url": values["script_url"]},
        {"challenge_json": values["challenge_json"], "nonce": values["nonce"], "ray_line": ""},
        (compat,),
    )
    expected = pages._fill(
        "challenge.html",
        code,
        {key: values[key] for key in ("host", "ray", "client_ip")},
        {"favicon": pages.favicon_link("/favicon.ico"), "nonce": values["nonce"], "widget": widget},
        (("css", pages._text("base.css") + pages._text("widget.css")),),
    )
    page = pages.challenge_page(language=code, **values)
    assert page == expected.encode("utf-8")


def test_a_template_with_one_or_no_per_page_values_fills_like_one_with_many() -> None:
    # A format with fewer than two %s cannot take itemgetter's values (one name gives
    # the bare value, none raises): the fill must still escape and place them.
    rest = {"favicon": "", "nonce": "n", "css": "p { width: 50% }", "ray": "r", "client_ip": "ip"}
    rest.update(page_title="Blocked", page_heading="Blocked", page_text="No.")
    one = pages._fill("block.html", "en", {"host": "<h>&"}, {}, tuple(rest.items()))
    none = pages._fill("block.html", "en", {}, {}, (*rest.items(), ("host", "&lt;h&gt;&amp;")))
    many = pages._fill(
        "block.html",
        "en",
        {"host": "<h>&", "ray": "r", "client_ip": "ip"},
        {},
        tuple((key, value) for key, value in rest.items() if key not in ("ray", "client_ip")),
    )
    assert one == none == many
    assert '<p class="host">&lt;h&gt;&amp;</p>' in one and "width: 50% }" in one


@given(st.text())
def test_page_values_are_escaped_exactly_as_html_escape_does(value: str) -> None:
    # The fill skips html.escape for values with nothing to escape; what it writes must
    # still be what html.escape writes, for any text (a Host header is the client's).
    assert pages._escaped_utf8(value) == html.escape(value).encode()


def test_a_hostile_host_and_address_are_escaped_in_the_built_in_page() -> None:
    body = pages.challenge_page(
        language="en",
        nonce="n" * 24,
        host='"><script>alert(1)</script>',
        ray="0123456789abcdef",
        client_ip="fe80::1%<b>&'",
        script_url="/x.js",
        challenge_json="{}",
    ).decode()
    assert "<script>alert(1)" not in body and "<b>&'" not in body
    assert html.escape('"><script>alert(1)</script>') in body
    assert html.escape("fe80::1%<b>&'") in body
