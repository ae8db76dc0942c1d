"""Fixtures for back-office tests: the product's services on a fresh SQLite database in tmp_path."""

from __future__ import annotations

import asyncio
import dataclasses

import argon2
import pytest
from aiohttp.test_utils import TestClient, TestServer

from backoffice.app import create_app
from backoffice.seed import seed_demo
from bot.officers import accounts
from bot.services import Services
from bot.settings import load_settings

PASSWORD = "matkhau-demo-2026"


@pytest.fixture
def blank_services(tmp_path, monkeypatch) -> Services:
    """Services on an empty database; argon2 at its lowest cost so that tests stay fast."""
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    monkeypatch.setenv("DVC_OTP_SECRET", "s" * 40)
    settings = dataclasses.replace(
        load_settings(), database_url=f"sqlite:///{tmp_path / 'dvc.db'}", var_dir=tmp_path
    )
    return Services(settings)


@pytest.fixture
def app_services(blank_services) -> Services:
    """Services with the demo commune seeded (officers' password: PASSWORD, already their own: no forced
    change at sign-in; tests/unit/test_officer_password_change.py covers the forced change)."""
    seed_demo(blank_services, PASSWORD, password_change=False)
    return blank_services


def codes_by_status(services: Services) -> dict[str, str]:
    return {view.status: view.code for view in services.workflow.list()}


def run_app(services: Services, scenario):
    """Run `scenario(client)` against the back-office app on a real local server."""

    async def main():
        app = create_app(services.settings, services, deliver_notifications=False)
        async with TestClient(TestServer(app)) as client:
            return await scenario(client)

    return asyncio.run(main())
