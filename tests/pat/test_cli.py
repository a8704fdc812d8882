"""``humangate pat fetch-keys`` against a local issuer directory (http.server on
127.0.0.1), and the file it writes working as the gate's configuration."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from humangate import Config
from humangate.cli import main
from humangate.cli.pat import FetchError, directory_url
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.pat.issuer import TestIssuer
from tests.pat.test_adversary import redeem, token_header, valid_token
from tests.pat.test_flow import site
from tests.support import WSGIClient

ROUTES: dict[str, tuple[int, bytes]] = {}


class Directory(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = ROUTES.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("content-type", "application/private-token-issuer-directory")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Directory)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["pat", "fetch-keys", url, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_fetch_keys_writes_a_key_file_the_gate_uses(
    server: str, issuer: TestIssuer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = issuer.directory()
    directory["token-keys"] = [{"token-type": 1, "token-key": "AAAA"}, *directory["token-keys"]]  # type: ignore[misc]
    ROUTES["/.well-known/private-token-issuer-directory"] = (200, json.dumps(directory).encode())
    code, out, err = fetch(server, capsys, "--issuer", issuer.name)
    assert code == 0, err
    assert "1 token key(s) for issuer issuer.test" in err
    document = json.loads(out)
    assert document["issuer"] == issuer.name
    assert document["token-keys"] == [{"token-type": 2, "token-key": issuer.token_key}]
    keys = tmp_path / "keys.json"
    keys.write_text(out)
    client = WSGIClient(
        HumanGate(
            site,
            Config(
                secret_keys=[SECRET],
                store="memory://",
                difficulty=4,
                private_access_tokens=[str(keys)],
            ),
        )
    )
    data, token = valid_token(client, issuer)
    assert redeem(client, data, token_header(token)).status == 200


def test_the_directory_host_names_the_issuer_by_default(
    server: str, issuer: TestIssuer, capsys: pytest.CaptureFixture[str]
) -> None:
    ROUTES["/dir"] = (200, json.dumps(issuer.directory()).encode())
    code, out, _ = fetch(f"{server}/dir", capsys)
    assert code == 0
    assert json.loads(out)["issuer"] == server.removeprefix("http://")


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ((404, b"nope"), "HTTP 404"),
        ((200, b"<html>"), "not a JSON issuer directory"),
        ((200, b"[]"), "not a JSON issuer directory"),
        ((200, b'{"token-keys": [{"token-type": 1, "token-key": "AAAA"}]}'), "no token-type 2"),
        (
            (200, b'{"token-keys": [{"token-type": 2, "token-key": "AAAA"}]}'),
            "SubjectPublicKeyInfo",
        ),
    ],
)
def test_bad_directories_fail_clearly(
    server: str, route: tuple[int, bytes], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ROUTES["/bad"] = route
    code, out, err = fetch(f"{server}/bad", capsys)
    assert code == 1 and out == ""
    assert message in err


def test_nothing_listening_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = fetch("http://127.0.0.1:9/", capsys)
    assert code == 1 and out == "" and "humangate pat fetch-keys:" in err


def test_directory_urls() -> None:
    assert directory_url("demo-pat.issuer.cloudflare.com") == (
        "https://demo-pat.issuer.cloudflare.com/.well-known/private-token-issuer-directory"
    )
    assert directory_url("https://issuer.example/") == (
        "https://issuer.example/.well-known/private-token-issuer-directory"
    )
    assert directory_url("https://issuer.example/keys") == "https://issuer.example/keys"
    assert directory_url("http://[::1]:8080/").startswith("http://[::1]:8080/.well-known/")
    for refused in ("http://issuer.example/", "ftp://issuer.example/", "https://"):
        with pytest.raises(FetchError):
            directory_url(refused)
