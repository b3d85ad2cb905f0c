"""Secrets out of everything shown or stored: backend ids, URLs, error text and log lines.

Keys come from the environment (``EXTRACTOR_API_KEY``, ``OPENAI_API_KEY``...) or from a backend
URL (``https://user:KEY@host/v1``, ``...?api-key=KEY``). They are sent with requests and never
written anywhere else:

- :func:`redact_url` masks the secret parts of every URL in a text by where they sit (the
  userinfo, key-like query parameters), so endpoints can still be told apart
  (``https://***@host/v1?api-key=***``). It depends on the text only, so a backend id built with
  it (part of every cache key) is the same on every run, and a URL without secrets is unchanged.
- :func:`scrub` is the one function for free text (server error bodies, exception text, log
  lines, a failed record's error and raw reply): it replaces every known secret value, the keys
  in the environment and the secrets of every backend URL seen (:func:`remember`, also in the
  base64 form Basic authentication sends), then applies :func:`redact_url`.
- :class:`ScrubFilter` scrubs log records (message and traceback) on a handler or a logger.

Values shorter than a few characters are not replaced in free text: replacing ``1`` or ``true``
everywhere would wreck messages; they are still masked where they sit in a URL.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
from urllib.parse import quote, unquote

__all__ = ["MASK", "ScrubFilter", "is_secret_name", "redact_url", "remember", "scrub"]

MASK = "***"

_SECRET_NAMES = frozenset(
    {
        "key",
        "apikey",
        "api_key",
        "token",
        "access_token",
        "auth",
        "sig",
        "signature",
        "password",
        "passwd",
        "pwd",
        "secret",
        "client_secret",
        "credential",
        "credentials",
    }
)
_SECRET_SUFFIXES = ("_key", "_token", "_secret", "_password", "_signature", "_credential")
# names of environment variables whose values are keys (OPENAI_API_KEY, HF_TOKEN...)
_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$")
_MIN_URL_SECRET = 4
"""Shortest secret taken from a URL that is replaced in free text."""
_MIN_ENV_SECRET = 8
"""Shortest environment value replaced in free text (the names are only a heuristic)."""

# scheme://USERINFO@host: up to the last "@" before the path, as urllib.parse reads a netloc;
# quotes, brackets and backslashes end it, so a URL inside JSON or HTML stays one value.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/\s?#\"'<>\\]*@")
_QUERY = re.compile(r"(?P<lead>[?&](?P<name>[A-Za-z0-9_.~%+\-\[\]]+)=)(?P<value>[^&#\s\"'<>\\]*)")

_lock = threading.Lock()
_remembered: tuple[str, ...] = ()
"""Secrets taken from backend URLs; replaced whole (a tuple, so readers need no lock)."""


def is_secret_name(name: str) -> bool:
    """Whether a query parameter of this name carries a secret (``api-key``, ``sig``...).

    Case and ``-``/``_`` do not matter; any name ending in ``_key``, ``_token``, ``_secret``,
    ``_password`` or ``_signature`` counts (``subscription-key``, ``X-Amz-Signature``).
    """
    n = unquote(name).strip().lower().replace("-", "_")
    return n in _SECRET_NAMES or n.endswith(_SECRET_SUFFIXES)


def _mask_query(match: re.Match[str]) -> str:
    if not match["value"] or not is_secret_name(match["name"]):
        return match[0]
    return f"{match['lead']}{MASK}"


def redact_url(text: str) -> str:
    """The text with every URL's userinfo and key-like query values masked.

    ``openai-compatible/m@https://user:KEY@host/v1?api-key=K&mode=json`` becomes
    ``openai-compatible/m@https://***@host/v1?api-key=***&mode=json``. A text without such
    parts is returned unchanged.
    """
    if "@" in text:
        text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    if "=" in text:
        text = _QUERY.sub(_mask_query, text)
    return text


def _forms(secret: str) -> set[str]:
    """A secret as typed, decoded, and percent-encoded: a server may echo any of them."""
    return {secret, unquote(secret), quote(unquote(secret), safe="")}


def remember(text: str) -> None:
    """Note the secrets of every URL in ``text`` (a backend id or URL) so :func:`scrub` hides them.

    Taken: the userinfo, its password, the base64 ``user:password`` of Basic authentication,
    and the values of key-like query parameters.
    """
    found: set[str] = set()
    for match in _USERINFO.finditer(text):
        userinfo = match[0][len(match["scheme"]) : -1]
        user, _, password = userinfo.partition(":")
        found |= _forms(userinfo) | (_forms(password) if password else set())
        basic = f"{unquote(user)}:{unquote(password)}".encode()
        found.add(base64.b64encode(basic).decode("ascii"))
    for match in _QUERY.finditer(text):
        if match["value"] and is_secret_name(match["name"]):
            found |= _forms(match["value"])
    found = {s for s in found if len(s) >= _MIN_URL_SECRET and s != MASK}
    global _remembered
    with _lock:
        if not found <= set(_remembered):
            _remembered = tuple(set(_remembered) | found)


def _known() -> list[str]:
    """Every secret to replace, longest first (so no shorter one leaves a piece of a longer)."""
    secrets = set(_remembered)
    for name, value in os.environ.items():
        if len(value) >= _MIN_ENV_SECRET and _SECRET_ENV.search(name.upper()):
            secrets |= _forms(value)
    return sorted(secrets, key=len, reverse=True)


def scrub(text: str) -> str:
    """The text without any known secret, and with its URLs redacted (:func:`redact_url`).

    Scrub before cutting a text short: a secret cut in half is no longer recognised.
    """
    for secret in _known():
        if secret in text:
            text = text.replace(secret, MASK)
    return redact_url(text)


class ScrubFilter(logging.Filter):
    """Scrubs a log record's message, traceback and stack before any handler formats it.

    On a handler it covers every record the handler writes; on a logger, only the records
    logged to that very logger (Python runs logger filters before propagation).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops one."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: the handler reports it as usual
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        trace = record.exc_text
        if record.exc_info and not trace:
            trace = logging.Formatter().formatException(record.exc_info)
        if trace and scrub(trace) != trace:
            # formatters use exc_text when set: a traceback with a secret is replaced whole
            record.exc_text = scrub(trace)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True
