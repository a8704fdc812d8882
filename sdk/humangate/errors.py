"""humangate's own exception hierarchy (never ``assert`` for validation)."""

from __future__ import annotations


class HumanGateError(Exception):
    """Base class for every error humangate raises on purpose."""


class ConfigError(HumanGateError, ValueError):
    """A configuration value is invalid. The message names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


class ExpressionError(HumanGateError, ValueError):
    """A rule expression does not parse or type-check.

    ``position`` is the 0-based character offset of the problem; ``str(err)`` shows the
    expression with a caret under that position.
    """

    def __init__(self, expression: str, position: int, message: str) -> None:
        self.expression = expression
        self.position = position
        self.reason = message
        caret = " " * max(position, 0) + "^"
        super().__init__(f"{message} at position {position}\n  {expression}\n  {caret}")


class StoreError(HumanGateError):
    """The shared store failed (unreachable, locked, read-only...)."""


class TokenError(HumanGateError):
    """A token is malformed, forged, expired or made for another purpose."""
