"""The published OpenAPI schema, fuzzed: every operation, as a partner admin and as a programme
manager, with schemathesis against the Django WSGI app in-process (no server).

For each operation, schemathesis generates requests from the schema — valid ones (positive) and
invalid ones (negative) — a bounded number each, and every answer is held to:

- no server error (5xx);
- a status code the schema documents for the operation, with the content type and the body
  it documents (``response_schema_conformance``);
- every 4xx in the one error format, ``{"errors": [{"field", "code", "message"}]}``.

Valid requests name objects that exist (the caller's partner's: its customer, asset, ticket…)
so that they reach the code behind the 404; invalid ones may name anything. Each request runs
in a savepoint rolled back at once: what one changes (a revoked token, a cancelled contract)
is not what the next finds. Marked ``postgres``: CI's PostgreSQL run executes it, ``make test``
leaves it out. ``EXAMPLES`` bounds the run (about two and a half minutes on two cores).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from contracts.models import ContractAsset
from partners.models import Certification
from servicone.access import PartnerRole, StaffRole
from servicone.models import Notification
from tests.partners.factories import (
    PartnerFactory,
    partner_user,
    staff_user,
    submitted_application,
)
from tests.servicone import routes
from tests.servicone.factories import make_api_key
from tests.servicone.schema_client import published_schema
from tests.tickets.factories import covered_asset
from tickets.services import ticket_open
from webhooks.services import endpoint_create, endpoint_ping

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Examples per operation and mode, per caller: ~70 operations x 2 modes x 2 callers.
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 12}

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]


@schemathesis.check
def client_errors_use_the_error_format(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx is ``{"errors": [{"field", "code", "message"}, ...]}``."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict), f"{response.status_code}: not an object: {body!r}"
    assert set(body) == {"errors"}, f"{response.status_code}: keys {sorted(body)}"
    assert body["errors"], f"{response.status_code}: no error listed"
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}, error
        assert isinstance(error["code"], str), error
        assert error["code"], error
        assert isinstance(error["message"], str), error
        assert error["field"] is None or isinstance(error["field"], str), error
    return True


@dataclass
class Seeded:
    ids: dict[str, int]
    tokens: dict[str, str]


@pytest.fixture
def seeded(db: None) -> Seeded:
    """Partner Alpha with one of everything a path can name; Bravo beside it; HP staff."""
    partner = PartnerFactory(name="Alpha")
    admin = partner_user(partner, PartnerRole.ADMIN, username="alpha.admin")
    engineer_user = partner_user(partner, PartnerRole.ENGINEER, username="alpha.engineer")
    asset = covered_asset(partner)
    contract = ContractAsset.objects.get(asset=asset).contract
    certification = Certification.objects.filter(engineer__partner=partner).first()
    assert certification is not None
    ticket = ticket_open(
        asset=asset, severity=2, kind="incident", summary="Disque en panne", actor=engineer_user
    )
    accreditation = submitted_application(partner, admin)
    api_key, _key = make_api_key(partner, by=admin)
    webhook, _secret = endpoint_create(
        actor=admin,
        partner=partner,
        url="https://hooks.alpha.example.com/in",
        events=["ticket.opened"],
    )
    delivery = endpoint_ping(endpoint=webhook, actor=admin)
    notification = Notification.objects.create(
        recipient=admin, partner=partner, kind="conformance", subject="Avis", body="Avis", link="/"
    )
    other = PartnerFactory(name="Bravo")
    covered_asset(other)
    manager = staff_user(StaffRole.PROGRAMME_MANAGER, username="hp.pm")
    return Seeded(
        ids={
            "partner": partner.pk,
            "engineer": certification.engineer_id,
            "certification": certification.pk,
            "accreditation": accreditation.pk,
            "customer": asset.customer_id,
            "site": asset.site_id,
            "asset": asset.pk,
            "contract": contract.pk,
            "ticket": ticket.pk,
            "api_key": api_key.pk,
            "webhook": webhook.pk,
            "delivery": delivery.pk,
            "notification": notification.pk,
            "course": 1,
            "tier": 1,
            "offering": contract.offering_id,
        },
        tokens={
            "partner admin": Token.objects.create(user=admin).key,
            "programme manager": Token.objects.create(user=manager).key,
        },
    )


@pytest.fixture
def api_schema(seeded: Seeded) -> Iterator[Any]:
    with published_schema() as schema:
        yield schema


def _path_parameters(operation: Any, ids: dict[str, int]) -> dict[str, object]:
    template = operation.path
    params = tuple(p.name for p in operation.path_parameters)
    route = routes.Route(routes.API, operation.method.upper(), template, params)
    return {name: ids[routes.parameter_kind(route, name)] for name in params}


def _takes_input(operation: Any) -> bool:
    """Parameters or a body beyond the credentials (which every call sends right)."""
    own = [p for p in operation.iter_parameters() if "x-original-security-type" not in p.definition]
    return bool(own) or bool(list(operation.body))


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def _exercise(operation: Any, mode: GenerationMode, token: str, ids: dict[str, int]) -> list[str]:
    """Run ``operation``'s examples of ``mode``; the failures, one line each."""
    failures: list[str] = []
    if mode == GenerationMode.NEGATIVE and not _takes_input(operation):
        return failures  # nothing to send wrong (me/, one's own token…)
    fixed = _path_parameters(operation, ids) if mode == GenerationMode.POSITIVE else None
    try:
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)
    except Exception as error:  # an operation schemathesis cannot generate for: a schema lie
        return [f"{operation.label} [{mode.value}]: cannot generate ({error})"]

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        headers = {"Authorization": f"Token {token}"}
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        try:
            case.validate_response(
                response,
                checks=[getattr(schemathesis.checks, name) for name in CHECKS],
                additional_checks=[client_errors_use_the_error_format],
                headers=headers,
            )
        except (Exception, BaseExceptionGroup) as error:
            first = str(error).strip().splitlines()
            failures.append(
                f"{operation.label} [{mode.value}] {response.status_code}: "
                f"{' | '.join(first[:6])}\n    {case.as_curl_command()}"
            )
            raise

    try:
        run()
    except (Exception, BaseExceptionGroup) as error:
        if not failures:
            failures.append(f"{operation.label} [{mode.value}]: {type(error).__name__}: {error}")
    return failures


@pytest.mark.parametrize("caller", ["partner admin", "programme manager"])
def test_every_operation_answers_as_the_schema_says(api_schema: Any, seeded: Seeded, caller: str):
    token = seeded.tokens[caller]
    failures: list[str] = []
    operations = list(_operations(api_schema))
    assert len(operations) >= 60
    for operation in operations:
        for mode in EXAMPLES:
            failures.extend(_exercise(operation, mode, token, seeded.ids))
    assert failures == [], "\n".join(failures)
