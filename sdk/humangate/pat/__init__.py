"""Private Access Tokens (Privacy Pass, RFC 9577 / RFC 9578, token type 2).

A device that can attest (recent Apple systems, with a trusted issuer such as
Cloudflare's or Fastly's) presents a token for the challenge humangate issued; a valid
one is a signal, not a pass: the managed challenge skips its interaction. See
docs/challenges.md, "Private Access Tokens".
"""

from __future__ import annotations

from humangate.pat.settings import PatIssuer, PatPolicy

__all__ = ["PatIssuer", "PatPolicy"]
