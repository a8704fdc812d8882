"""Issuer keys: only RFC 9578 type 2 keys are accepted, key files load and reload, and
configuration mistakes fail at start-up with the setting named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from humangate import Config, ConfigError, PatIssuer, PatPolicy
from humangate.engine import Engine
from humangate.pat.keys import IssuerKeys, KeyFormatError, directory_keys, parse_token_key
from humangate.pat.wire import b64encode
from tests.conftest import SECRET
from tests.pat.issuer import TestIssuer, rsassa_pss_spki


def test_plain_rsa_spki_is_refused(issuer: TestIssuer) -> None:
    plain = issuer.private_key.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyFormatError, match="RSASSA-PSS"):
        parse_token_key(plain)


def test_other_key_sizes_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyFormatError, match="2048"):
        parse_token_key(rsassa_pss_spki(small.public_key()))


@pytest.mark.parametrize("spki", [b"", b"\x30", b"\x30\x82\xff\xff", b"\x04\x00", bytes(300)])
def test_garbage_is_refused(spki: bytes) -> None:
    with pytest.raises(KeyFormatError):
        parse_token_key(spki)


def test_directory_keeps_type_2_keys_in_order(issuer: TestIssuer, other_issuer: TestIssuer) -> None:
    document = {
        "issuer-request-uri": "https://issuer.test/request",
        "token-keys": [
            {"token-type": 1, "token-key": "AAAA"},  # VOPRF: needs the private key, skipped
            {"token-type": 2, "token-key": other_issuer.token_key, "not-before": 5},
            {"token-type": 2, "token-key": issuer.token_key},
        ],
    }
    keys = directory_keys(document)
    assert [k.key_id for k in keys] == [other_issuer.key_id, issuer.key_id]
    assert keys[0].not_before == 5 and not keys[0].usable(4) and keys[0].usable(5)


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"token-keys": "nope"},
        {"token-keys": [{"token-type": 2, "token-key": 7}]},
        {"token-keys": [{"token-type": 2, "token-key": "AAAA"}]},
        {"token-keys": [{"token-type": 2, "token-key": "x", "not-before": "soon"}]},
    ],
)
def test_bad_directories_are_errors(document: dict[str, object]) -> None:
    with pytest.raises(KeyFormatError):
        directory_keys(document)


def write(path: Path, issuer: TestIssuer, name: str | None = None) -> None:
    path.write_text(json.dumps({"issuer": name or issuer.name, **issuer.directory()}))


def test_a_key_file_names_its_issuer(issuer: TestIssuer, tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    write(keys, issuer)
    config = Config(secret_keys=[SECRET], store="memory://", private_access_tokens=[str(keys)])
    assert config.private_access_tokens == (str(keys),)  # read when the engine starts
    with pytest.raises(ConfigError, match="named twice"):
        Engine(
            Config(
                secret_keys=[SECRET],
                store="memory://",
                private_access_tokens=[str(keys), PatIssuer(issuer.name, token_keys=["x"])],
            )
        )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (["/nonexistent/keys.json"], "cannot read"),
        ([PatIssuer("issuer.test", keys_file="/nonexistent/keys.json")], "cannot read"),
        ([42], "expected a humangate.PatIssuer"),
        ("keys.json", "expected a list"),
    ],
)
def test_configuration_errors_name_the_setting(setting: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        Engine(Config(secret_keys=[SECRET], store="memory://", private_access_tokens=setting))  # type: ignore[arg-type]
    assert "private_access_tokens" in str(caught.value)


def test_issuer_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="token_keys or keys_file"):
        PatIssuer("issuer.test")
    with pytest.raises(ConfigError, match="host name"):
        PatIssuer("https://issuer.test/", token_keys=["x"])
    with pytest.raises(ConfigError, match="origins"):
        PatPolicy(origins=["a.example,b.example"])
    with pytest.raises(ConfigError, match="not an RSASSA-PSS"):
        IssuerKeys(PatIssuer("issuer.test", token_keys=[b64encode(b"\x30\x03\x30\x01\x00")]))
    with pytest.raises(ConfigError, match="named twice"):
        Config(
            secret_keys=[SECRET],
            store="memory://",
            private_access_tokens=[
                PatIssuer("issuer.test", token_keys=["x"]),
                PatIssuer("ISSUER.test", token_keys=["y"]),
            ],
        )


def test_a_file_for_another_issuer_is_refused(issuer: TestIssuer, tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    write(keys, issuer, name="someone-else.test")
    with pytest.raises(ConfigError, match=r"someone-else\.test"):
        IssuerKeys(PatIssuer(issuer.name, keys_file=str(keys)))


def test_reload_picks_up_rotation_and_keeps_the_last_good_keys(
    issuer: TestIssuer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys = tmp_path / "keys.json"
    write(keys, issuer)
    now = [0.0]
    loaded = IssuerKeys(PatIssuer(issuer.name, keys_file=str(keys)), clock=lambda: now[0])
    assert [k.key_id for k in loaded.known()] == [issuer.key_id]
    rotated = TestIssuer(issuer.name)
    write(keys, rotated)
    assert [k.key_id for k in loaded.known()] == [issuer.key_id]  # not re-read yet
    now[0] = 11.0
    assert [k.key_id for k in loaded.known()] == [rotated.key_id]
    keys.write_text("{not json")
    now[0] = 22.0
    assert [k.key_id for k in loaded.known()] == [rotated.key_id]
    assert "not reloaded" in caplog.text
    keys.unlink()
    now[0] = 33.0
    assert [k.key_id for k in loaded.known()] == [rotated.key_id]


def test_toml_settings(issuer: TestIssuer, tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    write(keys, issuer)
    toml = tmp_path / "humangate.toml"
    toml.write_text(
        f"""
secret_keys = ["{SECRET}"]
store = "memory://"
private_access_tokens = ["{keys}", {{ name = "inline.test", token_keys = ["{issuer.token_key}"] }}]
pat_policy = {{ require_pow = false, origins = ["shop.example"] }}
"""
    )
    config = Config.from_toml(toml)
    assert config.private_access_tokens == (
        str(keys),
        PatIssuer("inline.test", token_keys=[issuer.token_key]),
    )
    assert config.pat_policy == PatPolicy(require_pow=False, origins=("shop.example",))
