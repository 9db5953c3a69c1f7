"""Domain errors raised by the service layer. Each medium (HTML, JSON API, CLI) maps them its own way."""
from __future__ import annotations


class KbError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(KbError):
    """Bad input; ``fields`` names each bad field with the reason."""

    status = 400
    code = "invalid"


class NotFound(KbError):
    """Missing, or not visible to the caller (the two are deliberately indistinguishable)."""

    status = 404
    code = "not_found"


class Forbidden(KbError):
    status = 403
    code = "forbidden"


class Conflict(KbError):
    """A transition the current state does not allow, or a stale version."""

    status = 409
    code = "conflict"


class TooLarge(KbError):
    """An upload over the configured size limit (KB_MAX_UPLOAD_BYTES)."""

    status = 413
    code = "too_large"


class TooManyRequests(KbError):
    """Too many attempts from one sender in a while; ``retry_after`` says how many seconds to wait."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, fields: dict[str, str] | None = None, *, retry_after: int = 60):
        super().__init__(message, fields)
        self.retry_after = retry_after
