from __future__ import annotations

from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from servicone.demo import DEMO_LOGINS, DEMO_PASSWORD


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in ("auth", "partners", "contracts", "tickets")
    }


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", "--quiet-logins")
    first = _counts()
    call_command("seed_demo", "--quiet-logins")
    assert _counts() == first


def test_every_printed_demo_login_works(db):
    call_command("seed_demo", "--quiet-logins")
    for login in DEMO_LOGINS:
        assert authenticate(username=login.username, password=DEMO_PASSWORD) is not None, login
