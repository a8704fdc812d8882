"""``humangate pat fetch-keys URL > keys.json``: an issuer's token keys, for
``Config(private_access_tokens=["keys.json"])``.

The only place humangate goes to the network for Private Access Tokens: run it when you
set up or rotate (a cron job is fine); the running gate re-reads the file when it
changes and never fetches anything while answering requests.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

from humangate.pat.keys import MAX_KEY_FILE, KeyFormatError, directory_keys
from humangate.pat.wire import BLIND_RSA

WELL_KNOWN = "/.well-known/private-token-issuer-directory"
MEDIA_TYPE = "application/private-token-issuer-directory"
TIMEOUT_SECONDS = 15


class FetchError(Exception):
    pass


def directory_url(given: str) -> str:
    """The directory's URL: a bare issuer name or origin gets the well-known path."""
    parts = urlsplit(given if "://" in given else f"https://{given}")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise FetchError(f"{given!r} is not an https URL or an issuer name")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        # Keys decide whose tokens pass: never take them from a network that can alter them.
        raise FetchError("fetch keys over https (http is allowed for this machine only)")
    path = parts.path if parts.path not in ("", "/") else WELL_KNOWN
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fetch_document(url: str) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - scheme checked in directory_url
        url, headers={"accept": f"{MEDIA_TYPE}, application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(MAX_KEY_FILE + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    if len(raw) > MAX_KEY_FILE:
        raise FetchError(f"{url}: the directory is larger than {MAX_KEY_FILE} bytes")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise FetchError(f"{url}: not a JSON issuer directory") from None
    if not isinstance(document, dict):
        raise FetchError(f"{url}: not a JSON issuer directory")
    return document


def key_file(url: str, issuer: str | None, now: float) -> dict[str, object]:
    """What ``fetch-keys`` prints: the directory's type 2 keys under the issuer's name."""
    document = fetch_document(url)
    try:
        keys = directory_keys(document)
    except KeyFormatError as exc:
        raise FetchError(f"{url}: {exc}") from None
    if not keys:
        raise FetchError(f"{url}: no token-type 2 (Blind RSA) keys; nothing humangate can verify")
    entries = document.get("token-keys")
    assert isinstance(entries, list)  # directory_keys checked it
    return {
        # The name challenges carry: the directory's host unless told otherwise.
        "issuer": issuer or (urlsplit(url).netloc.lower()),
        "directory": url,
        "issuer-request-uri": document.get("issuer-request-uri"),
        "token-keys": [
            entry
            for entry in entries
            if isinstance(entry, dict) and entry.get("token-type") == BLIND_RSA
        ],
        "fetched-at": int(now),
    }


def _fetch_keys(args: argparse.Namespace) -> int:
    try:
        url = directory_url(args.url)
        document = key_file(url, args.issuer, time.time())
    except FetchError as exc:
        print(f"humangate pat fetch-keys: {exc}", file=sys.stderr)
        return 1
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
    count = len(document["token-keys"])  # type: ignore[arg-type]
    print(f"{count} token key(s) for issuer {document['issuer']}", file=sys.stderr)
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pat = commands.add_parser(
        "pat", help="work with Private Access Token issuers: fetch their keys"
    )
    actions = pat.add_subparsers(dest="pat_command", required=True)
    fetch = actions.add_parser(
        "fetch-keys",
        help="print an issuer's token keys as a key file: fetch-keys URL > keys.json",
    )
    fetch.add_argument(
        "url", help="the issuer's directory URL, origin or name (https; http only for loopback)"
    )
    fetch.add_argument(
        "--issuer",
        help="the issuer name its challenges carry, when it differs from the directory's host",
    )
    fetch.set_defaults(handler=_fetch_keys)
