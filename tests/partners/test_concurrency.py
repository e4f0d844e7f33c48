"""Locking of programme writes, on real PostgreSQL (row locks mean nothing on SQLite)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection

from partners.models import Accreditation, Certification, Course
from partners.services import accreditation_approve, certification_create, partner_apply_evaluation
from servicone.errors import DomainError
from servicone.models import AuditEvent
from tests.partners.concurrency import race
from tests.partners.factories import EngineerFactory, make_expert_ready, submitted_application

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_managers_approving_at_once_approve_once(partner, partner_admin, programme_manager):
    assert connection.vendor == "postgresql"
    make_expert_ready(partner, on=date(2026, 1, 1))
    partner_apply_evaluation(partner=partner)
    application = submitted_application(partner, partner_admin)

    results = race(
        lambda: accreditation_approve(
            accreditation=application, actor=programme_manager, comment="A"
        ),
        lambda: accreditation_approve(
            accreditation=application, actor=programme_manager, comment="B"
        ),
    )

    outcomes = sorted(type(r).__name__ for r in results)
    assert outcomes == ["Accreditation", "StateConflict"]
    assert Accreditation.objects.get(pk=application.pk).status == "approved"
    assert AuditEvent.objects.filter(action="accreditation.approve").count() == 1


def test_the_same_certification_recorded_twice_at_once_is_stored_once(partner, partner_admin):
    engineer = EngineerFactory(partner=partner)
    course = Course.objects.get(code="PL-ASE")

    def record() -> Any:
        return certification_create(
            engineer=engineer, course=course, passed_on=date(2026, 3, 2), actor=partner_admin
        )

    results = race(record, record)

    assert sum(isinstance(r, Certification) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Certification.objects.filter(engineer=engineer).count() == 1
