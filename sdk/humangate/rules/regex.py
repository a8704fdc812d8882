"""Owner-written regular expressions on a linear-time engine (RE2).

A backtracking engine (Python's ``re``) lets one pattern such as ``^(a+)+$`` cost
seconds per request on a short header, and the rules run on every request. RE2 runs in
time linear in the input for every pattern it accepts, and it refuses exactly the
features that would need backtracking (look-around, backreferences, possessive and
atomic groups). That is also the subset Cloudflare's engine (Rust's ``regex`` crate)
offers, so a rule that works there works here.
"""

from __future__ import annotations

from collections.abc import Callable

import re2

# RE2's own bound on a compiled program's memory (its default): a pattern past it is
# refused when the rule is compiled, never at request time.
MAX_PROGRAM_BYTES = 8 << 20

Searcher = Callable[[str], bool]


class RegexError(ValueError):
    """A pattern RE2 refuses; ``message`` says why in words an owner can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_HINTS = (
    ("(?=", "look-ahead (?=...) is not supported"),
    ("(?!", "look-ahead (?!...) is not supported"),
    ("(?<=", "look-behind (?<=...) is not supported"),
    ("(?<!", "look-behind (?<!...) is not supported"),
    ("(?>", "atomic groups (?>...) are not supported"),
)


def _options(*, case_sensitive: bool = True) -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a refused owner pattern is a ConfigError, not stderr noise
    options.max_mem = MAX_PROGRAM_BYTES
    options.case_sensitive = case_sensitive
    options.dot_nl = False
    return options


def compile_search(pattern: str) -> Searcher:
    """A test "does ``pattern`` occur anywhere in the value" (the ``matches`` operator).

    Raises :class:`RegexError` for what RE2 refuses.
    """
    search = _compile(pattern, _options()).search
    return lambda value: search(_text(value)) is not None


def compile_fullmatch(pattern: str, *, case_sensitive: bool) -> Searcher:
    """A test "does ``pattern`` match the whole value" (wildcards, bot user agents)."""
    fullmatch = _compile(pattern, _options(case_sensitive=case_sensitive)).fullmatch
    return lambda value: fullmatch(_text(value)) is not None


def program_size(pattern: str) -> int:
    """RE2's measure of a compiled pattern's size (its work per input character is
    bounded by it): for tests and ``humangate rules check``."""
    return int(_compile(pattern, _options()).programsize)


def _compile(pattern: str, options: re2.Options) -> re2._Regexp[str]:
    if _has_surrogate(pattern):
        raise RegexError("the pattern contains a lone surrogate, which is not text")
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        raise RegexError(_explain(pattern, error)) from None


def _explain(pattern: str, error: Exception) -> str:
    reason = error.args[0] if error.args else str(error)
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    for marker, hint in _HINTS:
        if marker in pattern:
            return f"{hint} (the regex engine runs in linear time; see the rules docs)"
    if reason.startswith("invalid escape sequence: \\") and reason[-1:].isdigit():
        return "backreferences (\\1) are not supported (the regex engine runs in linear time)"
    if "pattern too large" in reason:
        return f"the pattern is too large once compiled ({reason})"
    return str(reason)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text(value: str) -> str:
    # RE2 matches UTF-8; request text can carry lone surrogates (escaped bytes), which
    # cannot be encoded. Replace them so they match nothing but "." rather than raise.
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value
