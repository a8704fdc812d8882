"""Cloudflare's rules language (wirefilter) for humangate rules.

>>> from humangate.rules import compile_expression
>>> expr = compile_expression('http.request.uri.path wildcard "/api/*" and not ssl')
>>> sorted(expr.fields)
['http.request.uri.path', 'ssl']
"""

from __future__ import annotations

from humangate.rules.expression import Expression, compile_expression
from humangate.rules.fields import FIELDS
from humangate.rules.values import MISSING, FieldSource

__all__ = ["FIELDS", "MISSING", "Expression", "FieldSource", "compile_expression"]
