"""The one exception tree of the project: catch ``ExtractorError`` to catch everything we raise."""

from __future__ import annotations


class ExtractorError(Exception):
    """Base of every error this library raises on purpose."""


class ConfigError(ExtractorError):
    """A usage or configuration problem: unknown backend, missing key or optional dependency."""


class InputError(ExtractorError):
    """Unreadable or malformed input; the message names the file, line and field."""


class OutputError(ExtractorError):
    """An output cannot be written (disk full, no permission) or another run holds it."""


class TooManyFailures(ExtractorError):
    """A run stopped because most of its recent articles failed (``--max-error-rate``)."""


class ModelPullError(ExtractorError):
    """A model could not be downloaded, or its bytes did not verify."""


class BackendError(ExtractorError):
    """A backend failed (unreachable, HTTP error, timeout); wraps the SDK's exception."""

    def __init__(self, backend: str, message: str, *, timeout: bool = False) -> None:
        super().__init__(f"{backend}: {message}")
        self.backend = backend
        self.timeout = timeout
        """True when the server was reachable but too slow for this request."""

    @property
    def request_specific(self) -> bool:
        """True when the failure belongs to this request, not to the server.

        A request too slow, too large for the model's context (HTTP 400/413) or rejected as
        unprocessable (422) fails that article, which is recorded with the error; the run goes on.
        Anything else (unreachable, 401, 429 or 5xx after the SDK's retries) stops the run.
        """
        status = getattr(self.__cause__, "status_code", None)
        return self.timeout or status in (400, 413, 422)


class ExtractionFailed(ExtractorError):
    """The model's replies still failed validation when the retry budget ran out."""

    def __init__(self, message: str, *, attempts: int, last_raw: str | None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_raw = last_raw


class GoldDataError(ExtractorError):
    """Gold data is invalid; the message names the file, line and field."""
