"""kb.config: settings from the environment, and no hard-coded secret."""
from __future__ import annotations

import stat

import pytest

from kb.config import load_settings


def test_unset_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    first = load_settings({"INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    second = load_settings({"INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_each_instance_gets_its_own_key(tmp_path, monkeypatch):
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    assert load_settings({"INSTANCE_DIR": str(tmp_path / "a")})["SECRET_KEY"] != \
        load_settings({"INSTANCE_DIR": str(tmp_path / "b")})["SECRET_KEY"]


def test_environment_variables_configure_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql+psycopg://u@db.example/kb")
    monkeypatch.setenv("KB_INDEX_DIR", "/srv/kb/index")
    settings = load_settings({"INSTANCE_DIR": str(tmp_path)})
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/kb"
    assert settings["KB_INDEX_DIR"] == "/srv/kb/index"
    assert not (tmp_path / "secret_key").exists()


def test_defaults_live_under_the_instance_folder(tmp_path, monkeypatch):
    for name in ("KB_DATABASE_URL", "KB_INDEX_DIR", "KB_ENV", "KB_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings({"INSTANCE_DIR": str(tmp_path)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    assert settings["KB_INDEX_DIR"] == str(tmp_path / "index")
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["SESSION_COOKIE_HTTPONLY"] is True


def test_numbers_from_the_environment_are_checked_and_named(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INDEX_PROCESSES", "3")
    monkeypatch.setenv("KB_MAX_UPLOAD_BYTES", "1048576")
    settings = load_settings({"INSTANCE_DIR": str(tmp_path)})
    assert settings["KB_INDEX_PROCESSES"] == 3
    assert settings["MAX_CONTENT_LENGTH"] == 1048576 + 64 * 1024
    for name, value in (("KB_INDEX_PROCESSES", "four"), ("KB_INDEX_PROCESSES", "0"),
                        ("KB_MAX_UPLOAD_BYTES", "-1")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=f"{name} must be a whole number of 1 or more, not '{value}'"):
            load_settings({"INSTANCE_DIR": str(tmp_path)})
        monkeypatch.delenv(name)
    for value in ("0", "65536", "smtp"):
        monkeypatch.setenv("KB_SMTP_PORT", value)
        with pytest.raises(ValueError, match=f"KB_SMTP_PORT must be a whole number from 1 to 65535, not '{value}'"):
            load_settings({"INSTANCE_DIR": str(tmp_path)})
    monkeypatch.setenv("KB_SMTP_PORT", "465")
    assert load_settings({"INSTANCE_DIR": str(tmp_path)})["KB_SMTP_PORT"] == 465
