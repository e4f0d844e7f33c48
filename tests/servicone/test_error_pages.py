"""The error pages: the portal's own 400, 403, 404 and 500, in French and English; the favicon."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client, RequestFactory

from servicone import urls
from servicone.access import PartnerRole
from servicone.views import errors
from tests.partners.factories import partner_user


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def test_the_handlers_are_the_portals():
    assert urls.handler400 is errors.bad_request
    assert urls.handler403 is errors.permission_denied
    assert urls.handler404 is errors.page_not_found
    assert urls.handler500 is errors.server_error


def test_an_unknown_address_is_the_portals_404_in_french_then_english(client, partner_admin):
    client.force_login(partner_admin)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = text(response)
    assert 'data-testid="error-page" data-status="404"' in page
    assert "<h1>Page introuvable</h1>" in page
    assert 'class="mainnav"' in page  # a portal page: its menus are there

    client.cookies["django_language"] = "en"
    page = text(client.get("/no-such-page/"))
    assert "<h1>Page not found</h1>" in page
    assert "Back to home" in page


def test_another_partners_object_is_the_same_404(client, partner, other_partner, other_admin):
    from tests.tickets.pages import open_ticket

    ticket = open_ticket(partner, None)
    client.force_login(other_admin)
    theirs = client.get(f"/tickets/{ticket.pk}/")
    missing = client.get("/tickets/999999/")
    assert theirs.status_code == missing.status_code == 404
    assert "<h1>Page introuvable</h1>" in text(theirs)


def test_with_debug_on_the_demo_shows_the_portals_404_not_djangos(client, partner_admin, settings):
    settings.DEBUG = True
    client.force_login(partner_admin)
    page = text(client.get("/no-such-page/"))
    assert "<h1>Page introuvable</h1>" in page
    assert "Using the URLconf" not in page
    # Django's technical page is one setting away for developers.
    settings.STYLED_ERROR_PAGES = False
    assert "Using the URLconf" in text(client.get("/no-such-page/"))


def test_with_debug_on_the_api_keeps_its_json_404(client, partner_admin, settings):
    settings.DEBUG = True
    client.force_login(partner_admin)
    response = client.get("/api/v1/tickets/999999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_a_role_refused_is_the_portals_403_in_french_then_english(client, partner):
    client.force_login(partner_user(partner, PartnerRole.SALES))
    response = client.get("/programme/users/")
    assert response.status_code == 403
    page = text(response)
    assert "<h1>Accès refusé</h1>" in page
    assert "Votre rôle ne permet pas d'ouvrir cette page." in page
    client.cookies["django_language"] = "en"
    page = text(client.get("/programme/users/"))
    assert "<h1>Access denied</h1>" in page
    assert "Your role does not give access to this page." in page


def test_an_expired_form_is_a_403_that_says_so(partner_admin):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner_admin)
    response = browser.post("/notifications/read-all/")
    assert response.status_code == 403
    assert "Le formulaire a expiré" in text(response)


def test_a_bad_request_is_the_portals_400(client, settings):
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "<h1>Requête incorrecte</h1>" in text(response)


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Erreur du portail"), ("en", "Portal error")]
)
def test_the_500_page_needs_no_database_and_speaks_the_readers_language(
    db, django_assert_num_queries, language, title
):
    request = RequestFactory().get("/tickets/")
    request.LANGUAGE_CODE = language
    with django_assert_num_queries(0):
        response = errors.server_error(request)
    assert response.status_code == 500
    page = text(response)
    assert f"<h1>{title}</h1>" in page
    assert 'href="/static/servicone/portal.css"' in page


def test_a_view_that_crashes_gets_the_500_page(client, partner_admin, monkeypatch):
    from tickets.views import queues

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(queues.presenters, "queue_context", crash)
    client.raise_request_exception = False
    client.force_login(partner_admin)
    response = client.get("/tickets/")
    assert response.status_code == 500
    assert "<h1>Erreur du portail</h1>" in text(response)


def test_every_page_names_its_icon_and_the_old_address_leads_to_it(client, partner_admin):
    client.force_login(partner_admin)
    assert '<link rel="icon" href="/static/servicone/favicon.svg" type="image/svg+xml">' in (
        client.get("/").content.decode()
    )
    client.logout()
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/servicone/favicon.svg"
