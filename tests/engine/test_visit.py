"""The visit: what the engine works out once about the client of a request."""

from __future__ import annotations

from humangate import Config
from humangate.engine.core import Engine
from humangate.http.request import Request
from tests.conftest import BROWSER_UA, SECRET


def engine(**settings: object) -> Engine:
    return Engine(Config(secret_keys=[SECRET], store="memory://", **settings))  # type: ignore[arg-type]


def request(**headers: str) -> Request:
    lines = (("user-agent", BROWSER_UA), *headers.items())
    return Request("GET", "/", headers=lines, peer="203.0.113.9")


def test_where_builds_no_rule_fields_when_nothing_can_locate_the_client() -> None:
    # No geo database and no country header: country and network are unknowable, so an
    # event's "where" costs nothing (the challenge answer of a flood asks for it).
    visit = engine()._visit(request(**{"cf-ipcountry": "FR"}))
    assert visit.where(log_client_ip=False) == {"country": None, "asn": None}
    assert visit._fields is None
    assert visit.where(log_client_ip=True) == {
        "country": None,
        "asn": None,
        "client_ip": "203.0.113.9",
    }


def test_where_reads_the_trusted_country_header() -> None:
    gate = engine(trusted_proxies=["203.0.113.0/24"], country_header="cf-ipcountry")
    visit = gate._visit(request(**{"cf-ipcountry": "FR"}))
    assert visit.where(log_client_ip=False) == {"country": "FR", "asn": None}
    assert visit.without_clearance().where(log_client_ip=False)["country"] == "FR"
    assert gate._visit(request()).where(log_client_ip=False) == {"country": None, "asn": None}
    # The challenge's event takes the same facts as a tuple.
    assert visit.located(log_client_ip=False) == ("FR", None, None)
    assert visit.located(log_client_ip=True) == ("FR", None, "203.0.113.9")


def test_the_visit_keeps_the_user_agent_it_was_read_with() -> None:
    visit = engine()._visit(request())
    assert visit.user_agent == BROWSER_UA
    assert visit.without_clearance().user_agent == BROWSER_UA


def test_the_client_address_is_written_out_once_and_empty_when_unknown() -> None:
    visit = engine()._visit(request())
    assert visit.ip_text == "203.0.113.9" == str(visit.ip)
    assert visit.ip_text is visit.ip_text  # kept, not written again
    unknown = engine()._visit(Request("GET", "/", headers=(("user-agent", BROWSER_UA),)))
    assert unknown.ip is None and unknown.ip_text == ""
