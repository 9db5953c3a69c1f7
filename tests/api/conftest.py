"""Fixtures for the API tests."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """The API authenticates with tokens, never passwords, so the accounts these tests make (through the
    shared ``make_user``) are hashed with argon2id at its cheapest rather than at the production cost,
    which is slow on purpose."""
    monkeypatch.setattr("kb.services.accounts._hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
