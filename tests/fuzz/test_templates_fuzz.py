"""Owner templates: check_template lists problems, parse_template raises TemplateError,
and Config turns either into a ConfigError; nothing else escapes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from humangate.errors import ConfigError
from humangate.pages.custom import CustomTemplate, TemplateError, check_template, parse_template
from humangate.pages.settings import check_page_settings
from tests.fuzz.conftest import batch, count, examples

PIECES = [
    "<html>", "<head>", "</head>", "<head lang=x>", "<body>", "</body>", "::CF_WIDGET_BOX::",
    "::CAPTCHA_BOX::", "::CLIENT_IP::", "::RAY_ID::", "::NONCE::", "::GEO::", "_cf_chl_opt",
    '<div id="humangate-x">', '<meta http-equiv="Content-Security-Policy">', "<", "\x00",
    "\ud800", "\udfff", "é", "<link rel=icon href=x>", "::", "<head\t>",
]  # fmt: skip
templates = st.one_of(
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=12).map("".join),
    st.text(max_size=200),
)


@examples(500)
@given(batch(templates))
def test_check_and_parse(texts: list[str]) -> None:
    count("template", len(texts))
    for text in texts:
        problems = check_template(text)
        assert all(isinstance(p, str) and p for p in problems)
        try:
            parsed = parse_template(text)
        except TemplateError as error:
            assert error.problems == problems  # noqa: PT017 - outcome varies
        else:
            assert problems == []
            assert isinstance(parsed, CustomTemplate)
            page = parsed.render(
                widget="W", head_extra="H", client_ip="<ip>", ray="r", geo="g", nonce="n"
            )
            assert "W" in page


@examples(200)
@given(batch(templates.filter(lambda t: "<" in t or "\x00" in t or not t.isprintable())))
def test_config_setting(values: list[str]) -> None:
    # Only values that are HTML or cannot be a path: random paths would read files.
    count("template", len(values))
    for value in values:
        try:
            check_page_settings(None, value, None)
        except ConfigError as error:
            assert error.field == "challenge_template"  # noqa: PT017 - outcome varies
