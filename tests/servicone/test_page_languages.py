"""Every page, for every role, in English with no French left in it, and in French with no English.

Issue 15, finding 9: pages read in English still said « Serveurs ProLiant », « critère(s) »…
Each page of the URLconf (``routes.page_routes``, the route walker's list) is asked by each
role allowed to read it (``route_rights``), plus the pages a query string fills (the sell
flow's steps, a serial number looked up, a scorecard, a refused step), once with
``django_language=en`` and once in French. The visible text (text nodes, titles, labels
read aloud, placeholders, button values; not scripts, styles or hidden inputs) is searched
for words that only the other language uses: function words and the portal's own nouns.

The data set's own names (partners, customers, people, summaries) are chosen to be neither
French nor English words, so that what is found is the portal's. Text a page declares in
another language (``lang``) is that language's by right: a notification is stored in the
portal's language when it is sent, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from contracts.models import Asset, Customer, Site
from contracts.services import contract_sell
from partners.models import Certification, Course, Engineer, Tier
from partners.services import certification_expiry
from servicone.access import PartnerRole, StaffRole
from tests.conftest import rolled_back_at
from tests.contracts.factories import offering
from tests.partners.factories import PartnerFactory, partner_user, staff_user
from tests.servicone import route_rights, routes
from tests.servicone.route_rights import ADMIN, CDS_DISPATCHER, CDS_ENGINEER, ENGINEER, PM, SALES
from tickets.services import ticket_act, ticket_open

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday morning

pytestmark = pytest.mark.django_db

# Words only French uses (as a reader meets them in a sentence or a label), and the
# portal's French nouns. Elided articles (« l'équipement », « d'accréditation ») too.
FRENCH = frozenset(
    """
    le la les des du une est sont pour avec dans sur
    aucun aucune votre vos nous cette ces et ou au aux qui
    que pas plus jours mois heures niveau niveaux équipement équipements contrat contrats
    client clients délai délais partenaire partenaires demande demandes ingénieur ingénieurs rechercher enregistrer
    annuler retour suivant précédent tous toutes depuis être été vérifier couverture échéance
    chronologie prise compte rendu motif gamme offre offres vente ventes tableau
    bord fiche fiches équipe formation formations lue lues ouvert ouverts clos
    résolu crédits jusqu aujourd très déjà sans selon de par chez entre ans semaine
    lundi vendredi fériés mais aussi également ainsi lors
    """.split()  # noqa: SIM905 - a list of words reads best as words
)
FRENCH_ELISIONS = re.compile(r"\b(?:l|d|qu|n|s|j|c)['’][a-zà-ÿœæ]", re.IGNORECASE)
# Words only English uses, and the portal's English nouns. (Not those French shares or the
# programme's proper names hold: « Sell », « Deliver », « Expert », « Server Solutions »,
# « Networking ATP », « Master ASE », « Care Pack », « Proactive Select ».)
ENGLISH = frozenset(
    """
    the and of your with from this these those has have is
    are was were will which when there their what who by yet
    none open closed customer customers contract contracts partner partners tier tiers engineer
    engineers asset assets deadline deadlines report search save back next previous month
    months days hours year years status required since until before after today
    coverage timeline sale sales team course courses scorecard unread dashboard approval
    offering offerings to for in at if not more new all per only
    """.split()  # noqa: SIM905 - a list of words reads best as words
)
ENGLISH_POSSESSIVE = re.compile(r"[a-z]['’]s\b", re.IGNORECASE)
# Proper nouns and codes that carry such words and stay as they are in both languages.
ALLOWED = (
    "ServiceOne",
    "Proactive Select",
    "HP France Technology Services",
)
# Letters between word boundaries: "PAR" in "3PAR" or "AU" in a code is no word.
WORD = re.compile(r"\b[^\W\d_]+\b")


# --- Visible text -------------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a reader sees or hears on the page, in the page's language only."""

    SKIPPED = frozenset({"script", "style", "template", "noscript"})
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    )
    SPOKEN = ("title", "alt", "placeholder", "aria-label")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_language = ""
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped)

    @property
    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.page_language = a.get("lang", "")[:2]
        other_language = (
            bool(a.get("lang")) and tag != "html" and a["lang"][:2] != (self.page_language)
        )
        # translate="no": codes and addresses (``contract.sold``, a URL), in no language.
        skipped = tag in self.SKIPPED or other_language or a.get("translate") == "no"
        if not (self._skipping or skipped):
            if tag == "input" and a.get("type") in ("hidden", "text", "search", "date"):
                pass  # a value typed or carried, not the page's words
            else:
                self.parts.extend(a[name] for name in self.SPOKEN if a.get(name))
                if tag == "input" and a.get("type") in ("submit", "button"):
                    self.parts.append(a.get("value", ""))
        if tag not in self.VOID:
            self._stack.append((tag, skipped))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> tuple[str, str]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.page_language, " ".join(parser.parts)


def foreign_words(text: str, language: str) -> set[str]:
    """The words of ``text`` that belong to the other language."""
    for allowed in ALLOWED:
        text = text.replace(allowed, " ")
    words = {w.lower() for w in WORD.findall(text)}
    if language == "en":
        found = words & FRENCH
        found |= {m.group(0) for m in FRENCH_ELISIONS.finditer(text)}
    else:
        found = words & ENGLISH
        found |= {m.group(0) for m in ENGLISH_POSSESSIVE.finditer(text)}
    return found


# --- The data set --------------------------------------------------------------------------------


def _engineer(partner: Any, name: str, course: str) -> Engineer:
    engineer = Engineer.objects.create(partner=partner, name=name)
    passed = date(2026, 1, 5)
    course_row = Course.objects.get(code=course)
    Certification.objects.create(
        engineer=engineer,
        course=course_row,
        passed_on=passed,
        expires_on=certification_expiry(course_row, passed),
    )
    return engineer


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    tickets: list[int] = field(default_factory=list)

    def build(self) -> None:
        zorbex = PartnerFactory(name="Zorbex", city="Metz")
        zorbex.tier = Tier.objects.get(code="deliver")
        zorbex.tier_since = date(2026, 1, 15)
        zorbex.declared_revenue_12m_eur = 25000
        zorbex.save()
        users = {
            # Usernames are shown on some pages: neither French nor English words.
            role: partner_user(
                zorbex, PartnerRole(role), username=f"zx{index}", first_name="Noa", last_name="Kiro"
            )
            for index, role in enumerate((ADMIN, SALES, ENGINEER))
        }
        staff = {
            PM: staff_user(StaffRole.PROGRAMME_MANAGER, username="hp.pm", first_name="Ilan"),
            CDS_DISPATCHER: staff_user(StaffRole.CDS_DISPATCHER, username="hp.disp"),
            CDS_ENGINEER: staff_user(StaffRole.CDS_ENGINEER, username="hp.eng"),
        }
        certified = _engineer(zorbex, "Alma Kovac", "PL-ASE")
        _engineer(zorbex, "Boris Lenz", "NET-ATP")
        _engineer(zorbex, "Cyra Volt", "PL-ASE")
        customer = Customer.objects.create(partner=zorbex, name="Xantia")
        site = Site.objects.create(
            customer=customer, name="Rivoli", city="Metz", postal_code="57000", region="57"
        )
        proliant, switch = (
            Asset.objects.create(
                customer=customer,
                site=site,
                serial_number=serial,
                product_line_id=line_id,
                model=model,
            )
            for serial, line_id, model in (
                ("CZJ0000101", _line("proliant"), "ProLiant DL380 Gen10"),
                ("CZJ0000102", _line("networking"), "Aruba 6300M"),
            )
        )
        contract = contract_sell(
            partner=zorbex,
            customer=customer,
            offering=offering("CP-PL-4H-24X7"),
            assets=[proliant],
            starts_on=NOW.date(),
            actor=users[SALES],
            today=NOW.date(),
        )
        contract_sell(
            partner=zorbex,
            customer=customer,
            offering=offering("PS-CREDITS-10"),
            assets=[],
            starts_on=NOW.date(),
            actor=users[SALES],
            today=NOW.date(),
        )
        opened = self._ticket(proliant, users[ENGINEER])
        worked = self._ticket(proliant, users[ENGINEER])
        for action, params in (
            ("acknowledge", {}),
            ("dispatch", {"engineer": certified}),
            ("arrive", {}),
            ("resolve", {"note": "RAID 5 OK"}),
        ):
            worked = ticket_act(ticket=worked, action=action, actor=users[ENGINEER], **params)
        handed = self._ticket(proliant, users[ENGINEER])
        ticket_act(ticket=handed, action="handover", actor=users[ENGINEER], reason="XK-42")
        paused = self._ticket(proliant, users[ENGINEER])
        paused = ticket_act(ticket=paused, action="acknowledge", actor=users[ENGINEER])
        ticket_act(ticket=paused, action="pause", actor=users[ENGINEER], reason="awaiting_parts")
        from partners.services import accreditation_create, accreditation_submit

        accreditation = accreditation_submit(
            accreditation=accreditation_create(
                partner=zorbex, tier=Tier.objects.get(code="expert"), actor=users[ADMIN]
            ),
            actor=users[ADMIN],
        )
        self.tickets = [opened.pk, worked.pk, handed.pk, paused.pk]
        from tests.servicone.factories import make_api_key
        from webhooks.services import endpoint_create, endpoint_ping

        webhook, _secret = endpoint_create(
            actor=users[ADMIN],
            partner=zorbex,
            url="https://hooks.zorbex.example.com/in",
            events=["ticket.opened"],
        )
        delivery = endpoint_ping(endpoint=webhook, actor=users[ADMIN])
        api_key, _key = make_api_key(zorbex, by=users[ADMIN], scopes=["tickets:read"])
        self.ids = {
            "partner": zorbex.pk,
            "webhook": webhook.pk,
            "delivery": delivery.pk,
            "api_key": api_key.pk,
            "engineer": certified.pk,
            "accreditation": accreditation.pk,
            "customer": customer.pk,
            "site": site.pk,
            "asset": proliant.pk,
            "switch": switch.pk,
            "contract": contract.pk,
            "ticket": opened.pk,
            "notification": 0,
        }
        for role, user in {**users, **staff}.items():
            client = Client()
            client.force_login(user)
            self.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value

    @staticmethod
    def _ticket(asset: Asset, actor: Any) -> Any:
        return ticket_open(
            asset=asset, severity=2, kind="incident", summary="RAID 5 / DL380", actor=actor, at=NOW
        )

    def get(self, role: str, path: str, language: str) -> Any:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        with transaction.atomic():
            response = client.get(path, follow=True)
            transaction.set_rollback(True)
        return response


def _line(code: str) -> int:
    from partners.models import ProductLine

    return ProductLine.objects.get(code=code).pk


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with rolled_back_at(NOW, django_db_blocker):
        built = World()
        built.build()
        yield built


# --- The pages ----------------------------------------------------------------------------------

# Answers that are not pages (probes, the language switch) or that log the session out.
NOT_PAGES = {"/i18n/setlang/", "/healthz", "/readyz", "/metrics"}


def _pages(world: World) -> list[tuple[str, str]]:
    """(role, path) of every page a role may read, and the pages a query string fills."""
    found = []
    for route in routes.page_routes():
        if route.method != "GET" or route.family != routes.PAGE or route.display in NOT_PAGES:
            continue
        rights = route_rights.RIGHTS.get(route.key)
        roles = sorted(route_rights.EVERYONE if rights is None else rights)
        path = routes.fill(route, lambda kind: world.ids[kind])
        found.extend((role, path) for role in roles)
    ids = world.ids
    sale = f"customer={ids['customer']}&assets={ids['asset']}"
    for role in (ADMIN, SALES):
        found += [
            (role, f"/contracts/sell/?offering=CP-PL-4H-24X7&customer={ids['customer']}"),
            (role, f"/contracts/sell/assets/?customer={ids['customer']}"),
            (role, f"/contracts/sell/offering/?{sale}"),
            (role, f"/contracts/sell/confirm/?{sale}&offering=CP-PL-4H-24X7&starts_on=2026-11-26"),
            # A step that refuses: the errors read in the reader's language too.
            (
                role,
                f"/contracts/sell/confirm/?{sale}&offering=CP-3PAR-4H-24X7&starts_on=1999-01-01",
            ),
            (role, f"/customers/{ids['customer']}/?q=CZJ"),
        ]
    for role in (ADMIN, SALES, ENGINEER, PM, CDS_DISPATCHER):
        found += [
            (role, "/tickets/new/?serial=czj%20000%200101"),
            (role, "/tickets/new/?serial=" + quote("<b>x</b>")),
            (role, "/assets/lookup/?serial=CZJ0000101"),
            (role, "/assets/lookup/?serial=CZJ0000102"),
            (role, f"/assets/{ids['switch']}/"),
            (role, "/tickets/?state=open"),
        ]
        found += [(role, f"/tickets/{pk}/") for pk in world.tickets]
    found += [
        (ADMIN, "/programme/?extra_revenue=5000&course_1=3PAR-MASE&engineers_1=2"),
        (ADMIN, "/reports/scorecard/?month=2026-11"),
        (PM, f"/reports/scorecard/?partner={ids['partner']}&month=2026-11"),
        (PM, f"/hp/partners/{ids['partner']}/"),
    ]
    return found


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_speaks_only_the_readers_language(world: World, language: str) -> None:
    failures = []
    checked = 0
    for role, path in _pages(world):
        if role not in world.sessions:
            continue
        response = world.get(role, path, language)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        page_language, text = VisibleText.of(response.content.decode())
        assert page_language == language, (role, path, page_language)
        checked += 1
        found = foreign_words(text, language)
        if found:
            failures.append(f"{role} {path}: {sorted(found)}")
    assert checked > 100
    assert failures == [], "\n".join(sorted(set(failures)))


# --- The check itself --------------------------------------------------------------------------


def test_the_check_finds_a_french_word_left_on_an_english_page() -> None:
    _, text = VisibleText.of(
        '<html lang="en"><body><p>Coverage in force</p><p>Aucun ticket</p>'
        '<p lang="fr">Votre niveau</p><script>var le = 1;</script>'
        '<input type="submit" value="Vérifier"><span title="l\'équipement">x</span></body></html>'
    )
    assert foreign_words(text, "en") == {"aucun", "vérifier", "équipement", "l'é"}
    assert "Votre" not in text
    assert "var le" not in text


def test_the_check_finds_an_english_word_left_on_a_french_page() -> None:
    _, text = VisibleText.of(
        '<html lang="fr"><body><p>Couverture en vigueur</p><p>No open ticket</p>'
        "<p>the partner's tier</p></body></html>"
    )
    assert foreign_words(text, "fr") == {"open", "the", "partner", "tier", "r's"}
