"""The plain ASGI example app with Private Access Tokens configured: a trusted issuer's
key file from $HUMANGATE_PAT_KEYS, and the solve log on stdout."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys

import integrations.asgi_plain.app as example
from humangate.asgi import HumanGate
from integrations.settings import config_from_environment

_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
for name in ("humangate.signals", "humangate.pat"):
    logging.getLogger(name).addHandler(_handler)
    logging.getLogger(name).setLevel(logging.INFO)

application = HumanGate(
    example.site,
    dataclasses.replace(
        config_from_environment(), private_access_tokens=[os.environ["HUMANGATE_PAT_KEYS"]]
    ),
)
