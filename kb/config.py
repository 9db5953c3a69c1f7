"""Settings from the environment, with embedded defaults under the instance folder.

Every setting has a ``KB_`` environment variable. Nothing secret is hard-coded: when ``KB_SECRET_KEY``
is unset a random key is generated once and kept in ``instance/secret_key`` (mode 0600), so sessions
survive restarts and every worker of one host agrees on it. Several hosts must share a key through the
environment.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    return Path(os.environ.get("KB_INSTANCE_DIR") or PROJECT_ROOT / "instance").resolve()


def _secret_key(folder: Path) -> str:
    path = folder / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers start at once, one writes and the other reads what it wrote.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


# The deploying department's identity. Those with an _HI variant may be given in Hindi too.
OWNER_SETTINGS = (
    "KB_OWNER_NAME", "KB_OWNER_NAME_HI", "KB_OWNER_ADDRESS", "KB_OWNER_ADDRESS_HI", "KB_OWNER_EMAIL",
    "KB_OWNER_PHONE", "KB_OWNER_URL", "KB_WIM_NAME", "KB_WIM_NAME_HI", "KB_WIM_DESIGNATION",
    "KB_WIM_DESIGNATION_HI", "KB_WIM_EMAIL", "KB_WIM_PHONE",
)


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _whole_number(name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of {minimum} or more"
        raise ValueError(f"{name} must be a whole number {bounds}, not {value!r}")
    return number


def default_index_processes() -> int:
    # One per core; more than four gains little, since each process writes its segment to the same disk.
    return max(1, min(os.cpu_count() or 1, 4))


def load_settings(overrides: dict | None = None) -> dict:
    """Return the Flask config mapping: environment first, then ``overrides`` (tests, scripts)."""
    overrides = dict(overrides or {})
    folder = Path(overrides.pop("INSTANCE_DIR", None) or instance_dir())
    folder.mkdir(parents=True, exist_ok=True)
    env = os.environ.get("KB_ENV", "production")
    settings = {
        "INSTANCE_DIR": str(folder),
        "KB_ENV": env,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("KB_DATABASE_URL") or f"sqlite:///{folder / 'kb.sqlite3'}",
        "KB_INDEX_DIR": os.environ.get("KB_INDEX_DIR") or str(folder / "index"),
        "KB_INDEX_SYNC": os.environ.get("KB_INDEX_SYNC", "inline"),
        "KB_INDEX_PROCESSES": _whole_number("KB_INDEX_PROCESSES", default_index_processes()),
        # Dense (semantic) search next to the keyword index: "on" or "off" (kb.search.embeddings).
        "KB_SEARCH_DENSE": os.environ.get("KB_SEARCH_DENSE", "on"),
        "KB_SEARCH_MODEL_PATH": os.environ.get("KB_SEARCH_MODEL_PATH", ""),
        "KB_SITE_NAME": os.environ.get("KB_SITE_NAME", "e-Governance Knowledge Repository"),
        "KB_SITE_NAME_HI": os.environ.get("KB_SITE_NAME_HI", "ई-गवर्नेंस ज्ञान भंडार"),
        "KB_BASE_URL": os.environ.get("KB_BASE_URL", "").rstrip("/"),
        # Who owns the site (GIGW): shown in the footer and on the About and Contact pages. Unset values
        # show as marked gaps, so a site that is not yet configured says what a deployer must fill in.
        **{name: os.environ.get(name, "").strip() for name in OWNER_SETTINGS},
        # Indian formats (dates, lakh/crore grouping) for both languages; times are shown in IST.
        "BABEL_DEFAULT_LOCALE": "en_IN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Kolkata",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("KB_SECURE_COOKIES", env != "development"),
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("KB_SECURE_COOKIES", env != "development"),
        # A CSRF token lives as long as the session, so a long case written in one sitting still saves.
        "WTF_CSRF_TIME_LIMIT": None,
        "KB_MAX_UPLOAD_BYTES": _whole_number("KB_MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
        "KB_SMTP_HOST": os.environ.get("KB_SMTP_HOST", ""),
        "KB_SMTP_PORT": _whole_number("KB_SMTP_PORT", 587, maximum=65535),
        # Reverse proxies in front of the site that set X-Forwarded-For and -Proto (0: none, so such
        # headers from a client are ignored rather than trusted).
        "KB_PROXY_HOPS": _whole_number("KB_PROXY_HOPS", 0, minimum=0),
        "KB_USAGE_FLUSH_SECONDS": _whole_number("KB_USAGE_FLUSH_SECONDS", 10, minimum=0, maximum=3600),
        "KB_SMTP_USER": os.environ.get("KB_SMTP_USER", ""),
        "KB_SMTP_PASSWORD": os.environ.get("KB_SMTP_PASSWORD", ""),
        "KB_SMTP_STARTTLS": _flag("KB_SMTP_STARTTLS", True),
        "KB_MAIL_FROM": os.environ.get("KB_MAIL_FROM", "kb@localhost"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
    settings.update(overrides)
    # The request limit follows the upload limit (overrides included), with room for the form's other fields.
    settings.setdefault("MAX_CONTENT_LENGTH", settings["KB_MAX_UPLOAD_BYTES"] + 64 * 1024)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ.get("KB_SECRET_KEY") or _secret_key(folder)
    return settings
