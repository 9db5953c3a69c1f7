"""Domain errors raised by the service layer. Each medium (HTML, JSON API, CLI) maps them its own way.
Every error kb raises on purpose is defined here."""
from __future__ import annotations

from pathlib import Path


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


class NotAuthenticated(KbError):
    """No (valid) API token where one is needed."""

    status = 401
    code = "unauthorized"


class LoginFailed(KbError):
    """Wrong email or password (one message whether or not the email exists)."""

    status = 401
    code = "login_failed"


class AccountPending(LoginFailed):
    """The password was right, but an admin has not approved the self-registered account yet."""

    code = "account_pending"


class TooManyAttempts(KbError):
    """Too many failed logins (or bad API tokens) for an account or from an address, for now."""

    status = 429
    code = "rate_limited"


class InvalidResetToken(KbError):
    """A password reset link that is unknown, used or expired."""

    status = 400
    code = "invalid_token"


class ContentError(Exception):
    """A file of the content folder (a case, a site page, the taxonomy) that cannot be imported;
    ``fields`` maps each bad field to its reason."""

    def __init__(self, path: Path | str, fields: dict[str, str]):
        self.path = str(path)
        self.fields = fields
        super().__init__(f"{path}: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
