"""Who may use each route: the rights the route walker holds every route × method to.

A role listed for a route is served (no 401/403/404/405, no server error, with its own
partner's ids, empty form or body: a 400 or a 409 is an answer); a role not listed gets 403.
``OPEN`` routes need no login. The walker fails on a route missing here (say who may use
it) and on an entry naming no route. The Django admin is not listed: it is for HP staff,
and refuses everyone else the admin's way (its login page).

Roles: the three partner roles (of the partner whose ids the route gets) and HP's three.
"""

from __future__ import annotations

ADMIN, SALES, ENGINEER = "admin", "sales", "engineer"
PM, CDS_DISPATCHER, CDS_ENGINEER = "pm", "cds_dispatcher", "cds_engineer"

PARTNER = frozenset({ADMIN, SALES, ENGINEER})
CDS = frozenset({CDS_DISPATCHER, CDS_ENGINEER})
HP = frozenset({PM}) | CDS
EVERYONE = PARTNER | HP
SELLERS = frozenset({ADMIN, SALES})  # the sales side's writes (servicone.access.SELLING_ROLES)
ONLY_ADMIN = frozenset({ADMIN})
ONLY_PM = frozenset({PM})
ADMIN_OR_PM = frozenset({ADMIN, PM})
# Webhooks: a partner's administrators (its endpoints) and HP staff (programme-wide ones,
# and every partner's read-only). The walker's ids are a partner's endpoint: HP reads it.
WEBHOOKS = ONLY_ADMIN | HP
# Ticket actions on a ticket the partner delivers: its admins and engineers work it.
WORKING = frozenset({ADMIN, ENGINEER})
# Managers, whom many notifications reach, may have them e-mailed as a digest.
MANAGERS = frozenset({ADMIN, PM, CDS_DISPATCHER})
OPEN = None  # anyone, logged in or not

RIGHTS: dict[str, frozenset[str] | None] = {
    # --- Account, language, probes ---------------------------------------------------------
    "GET /": EVERYONE,
    "POST /": EVERYONE,  # the home page answers a POST like a GET
    "GET /accounts/login/": OPEN,
    "POST /accounts/login/": OPEN,
    "POST /accounts/logout/": OPEN,
    "GET /accounts/password/": EVERYONE,
    "POST /accounts/password/": EVERYONE,
    "GET /accounts/password/done/": EVERYONE,
    "GET /accounts/2fa/": EVERYONE,  # anyone may turn two-factor authentication on
    "POST /accounts/2fa/": EVERYONE,
    "GET /accounts/2fa/verify/": EVERYONE,
    "POST /accounts/2fa/verify/": EVERYONE,
    "GET /i18n/setlang/": OPEN,
    "POST /i18n/setlang/": OPEN,
    # Probes: the metrics answer only the networks in METRICS_NETWORKS (servicone.health).
    "GET /favicon.ico": OPEN,  # a redirect to the static icon, for clients that ask for it
    "POST /favicon.ico": OPEN,
    "GET /healthz": OPEN,
    "POST /healthz": OPEN,
    "GET /readyz": OPEN,
    "POST /readyz": OPEN,
    "GET /metrics": OPEN,
    "POST /metrics": OPEN,
    "GET /notifications/": EVERYONE,
    "POST /notifications/read-all/": EVERYONE,
    "POST /notifications/{pk}/read/": EVERYONE,  # one's own notification
    "GET /notifications/preferences/": MANAGERS,
    "POST /notifications/preferences/": MANAGERS,
    # --- Programme ---------------------------------------------------------------------------
    "GET /programme/": EVERYONE,  # HP staff are sent on to the overview
    "GET /programme/team/": PARTNER,
    "POST /programme/team/": ONLY_ADMIN,
    "GET /programme/users/": ONLY_ADMIN,
    "POST /programme/users/": ONLY_ADMIN,
    "GET /programme/accreditations/": PARTNER,
    "POST /programme/accreditations/apply/": ONLY_ADMIN,
    "POST /programme/accreditations/{accreditation_id}/withdraw/": ONLY_ADMIN,
    "GET /hp/programme/": HP,
    # The delivery policy: the partner's people read it, its admins save versions (and
    # simulate them); HP staff read any partner's (a partner user goes to its own).
    "GET /programme/delivery-policy/": PARTNER,
    "POST /programme/delivery-policy/": ONLY_ADMIN,
    "GET /hp/partners/{partner_id}/delivery-policy/": EVERYONE,
    # API keys: a partner's admins manage its keys; HP staff see every key, programme
    # managers create HP's and revoke any.
    "GET /programme/api-keys/": ONLY_ADMIN,
    "POST /programme/api-keys/": ONLY_ADMIN,
    "POST /programme/api-keys/{key_id}/revoke/": ONLY_ADMIN,
    "GET /hp/api-keys/": HP,
    "POST /hp/api-keys/": ONLY_PM,
    "POST /hp/api-keys/{key_id}/revoke/": ONLY_PM,
    # A partner user asking for its own partner is sent to its own programme page.
    "GET /hp/partners/{partner_id}/": EVERYONE,
    "GET /hp/accreditations/": ONLY_PM,
    "GET /hp/accreditations/{accreditation_id}/": ONLY_PM,
    "POST /hp/accreditations/{accreditation_id}/approve/": ONLY_PM,
    "POST /hp/accreditations/{accreditation_id}/reject/": ONLY_PM,
    # Serial numbers claimed by two partners: HP's programme managers arbitrate.
    "GET /hp/asset-claims/": ONLY_PM,
    "POST /hp/asset-claims/{asset_id}/assign/": ONLY_PM,
    "POST /hp/asset-claims/{asset_id}/reject/": ONLY_PM,
    "GET /api/v1/asset-claims/": ONLY_PM,
    "POST /api/v1/asset-claims/{id}/assign/": ONLY_PM,
    "POST /api/v1/asset-claims/{id}/reject/": ONLY_PM,
    # --- Sales side ---------------------------------------------------------------------------
    "GET /catalogue/": EVERYONE,
    "GET /contracts/": EVERYONE,
    "GET /contracts/{contract_id}/": EVERYONE,
    "POST /contracts/{contract_id}/activate/": SELLERS,
    "POST /contracts/{contract_id}/cancel/": SELLERS,
    "POST /contracts/{contract_id}/renew/": SELLERS,
    "GET /contracts/sell/": SELLERS,
    "POST /contracts/sell/": SELLERS,
    "GET /contracts/sell/assets/": SELLERS,
    "POST /contracts/sell/assets/": SELLERS,
    "GET /contracts/sell/offering/": SELLERS,
    "GET /contracts/sell/confirm/": SELLERS,
    "POST /contracts/sell/confirm/": SELLERS,
    "GET /customers/": EVERYONE,
    "POST /customers/": SELLERS,
    "GET /customers/{customer_id}/": EVERYONE,
    "POST /customers/{customer_id}/sites/add/": SELLERS,
    "POST /customers/{customer_id}/assets/add/": SELLERS,
    "GET /customers/{customer_id}/import/": SELLERS,
    "POST /customers/{customer_id}/import/": SELLERS,
    "GET /assets/lookup/": EVERYONE,
    "GET /assets/{asset_id}/": EVERYONE,
    # --- Tickets ------------------------------------------------------------------------------
    "GET /tickets/": EVERYONE,
    "GET /tickets/cds/": CDS,
    "GET /tickets/new/": EVERYONE,
    "POST /tickets/new/": EVERYONE,
    "GET /tickets/{ticket_id}/": EVERYONE,
    # The ticket page's buttons: an action the role may not take is refused with a message
    # on the ticket page (a redirect), never a 403 page.
    "POST /tickets/{ticket_id}/actions/{action}/": EVERYONE,
    "POST /tickets/{ticket_id}/mute/": EVERYONE,  # anyone who sees a ticket may mute it
    # --- Reports ------------------------------------------------------------------------------
    "GET /reports/scorecard/": EVERYONE,
    "GET /reports/programme/": HP,
    # --- Webhooks -----------------------------------------------------------------------------
    "GET /webhooks/": WEBHOOKS,
    "GET /webhooks/new/": WEBHOOKS,
    "POST /webhooks/new/": WEBHOOKS,
    "GET /webhooks/{endpoint_id}/": WEBHOOKS,
    # Changing a partner's endpoint: its administrators (HP changes programme-wide ones).
    "POST /webhooks/{endpoint_id}/": ONLY_ADMIN,
    "POST /webhooks/{endpoint_id}/rotate-secret/": ONLY_ADMIN,
    "POST /webhooks/{endpoint_id}/ping/": ONLY_ADMIN,
    "POST /webhooks/{endpoint_id}/delete/": ONLY_ADMIN,
    "POST /webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver/": ONLY_ADMIN,
    # HP's programme managers may switch any endpoint off (as in the admin).
    "POST /webhooks/{endpoint_id}/disable/": ADMIN_OR_PM,
    # --- API: base ----------------------------------------------------------------------------
    "GET /api/schema/": OPEN,
    "GET /api/docs/": OPEN,
    "GET /api/v1/": EVERYONE,
    "POST /api/v1/auth/token/": OPEN,
    "DELETE /api/v1/auth/token/": EVERYONE,  # one's own token
    "GET /api/v1/api-keys/": ONLY_ADMIN | HP,
    "POST /api/v1/api-keys/": ADMIN_OR_PM,
    "GET /api/v1/api-keys/{id}/": ONLY_ADMIN | HP,
    "DELETE /api/v1/api-keys/{id}/": ADMIN_OR_PM,
    "GET /api/v1/me/": EVERYONE,
    "GET /api/v1/me/notification-preferences/": EVERYONE,
    "PUT /api/v1/me/notification-preferences/": EVERYONE,  # a digest: managers only (403)
    # --- API: programme -----------------------------------------------------------------------
    "GET /api/v1/tiers/": EVERYONE,
    "GET /api/v1/tiers/{id}/": EVERYONE,
    "GET /api/v1/courses/": EVERYONE,
    "GET /api/v1/courses/{id}/": EVERYONE,
    "GET /api/v1/partners/": EVERYONE,
    "POST /api/v1/partners/": ONLY_PM,
    "GET /api/v1/partners/{id}/": EVERYONE,
    "PATCH /api/v1/partners/{id}/": ONLY_PM,
    "GET /api/v1/partners/{id}/eligibility/": EVERYONE,
    "POST /api/v1/partners/{id}/what-if/": EVERYONE,  # a simulation: writes nothing
    "GET /api/v1/partners/{partner_pk}/users/": ONLY_ADMIN | HP,
    "POST /api/v1/partners/{partner_pk}/users/": ADMIN_OR_PM,
    "GET /api/v1/partners/{id}/delivery-policy/": EVERYONE,
    "PUT /api/v1/partners/{id}/delivery-policy/": ONLY_ADMIN,
    "GET /api/v1/engineers/": EVERYONE,
    "POST /api/v1/engineers/": ADMIN_OR_PM,
    "GET /api/v1/engineers/{id}/": EVERYONE,
    "GET /api/v1/engineers/{id}/availability/": EVERYONE,
    "POST /api/v1/engineers/{id}/availability/": ADMIN_OR_PM,
    "PUT /api/v1/engineers/{id}/home-department/": ADMIN_OR_PM,
    "GET /api/v1/certifications/": EVERYONE,
    "POST /api/v1/certifications/": ADMIN_OR_PM,
    "GET /api/v1/certifications/{id}/": EVERYONE,
    "GET /api/v1/accreditations/": EVERYONE,
    "POST /api/v1/accreditations/": ADMIN_OR_PM,
    "GET /api/v1/accreditations/{id}/": EVERYONE,
    "POST /api/v1/accreditations/{id}/submit/": ADMIN_OR_PM,
    "POST /api/v1/accreditations/{id}/withdraw/": ONLY_ADMIN,
    "POST /api/v1/accreditations/{id}/approve/": ONLY_PM,
    "POST /api/v1/accreditations/{id}/reject/": ONLY_PM,
    # --- API: sales side ----------------------------------------------------------------------
    "GET /api/v1/offerings/": EVERYONE,
    "GET /api/v1/offerings/{id}/": EVERYONE,
    "GET /api/v1/customers/": EVERYONE,
    "POST /api/v1/customers/": EVERYONE - {ENGINEER},
    "GET /api/v1/customers/{id}/": EVERYONE,
    "POST /api/v1/customers/{id}/sites/": EVERYONE - {ENGINEER},
    "GET /api/v1/assets/": EVERYONE,
    "POST /api/v1/assets/": EVERYONE - {ENGINEER},
    "GET /api/v1/assets/{id}/": EVERYONE,
    "GET /api/v1/entitlements/": EVERYONE,
    "GET /api/v1/contracts/": EVERYONE,
    "POST /api/v1/contracts/": SELLERS,
    "GET /api/v1/contracts/{id}/": EVERYONE,
    "POST /api/v1/contracts/{id}/activate/": SELLERS,
    "POST /api/v1/contracts/{id}/cancel/": SELLERS,
    "POST /api/v1/contracts/{id}/renew/": SELLERS,
    "GET /api/v1/contracts/{id}/credits/": EVERYONE,
    "POST /api/v1/contracts/{id}/credits/consume/": ONLY_ADMIN | HP,  # not sales, engineers
    # --- API: tickets and SLA -----------------------------------------------------------------
    "GET /api/v1/tickets/": EVERYONE,
    "POST /api/v1/tickets/": EVERYONE,
    "GET /api/v1/tickets/{id}/": EVERYONE,
    "GET /api/v1/tickets/{id}/mute/": EVERYONE,
    "GET /api/v1/tickets/{id}/dispatch-candidates/": EVERYONE,
    "POST /api/v1/tickets/{id}/mute/": EVERYONE,
    "DELETE /api/v1/tickets/{id}/mute/": EVERYONE,
    "POST /api/v1/tickets/{id}/acknowledge/": WORKING,
    "POST /api/v1/tickets/{id}/dispatch/": WORKING,
    "POST /api/v1/tickets/{id}/arrive/": WORKING,
    "POST /api/v1/tickets/{id}/pause/": WORKING,
    "POST /api/v1/tickets/{id}/resume/": WORKING,
    "POST /api/v1/tickets/{id}/resolve/": WORKING,
    "POST /api/v1/tickets/{id}/close/": WORKING,
    "POST /api/v1/tickets/{id}/handover/": WORKING,
    "POST /api/v1/tickets/{id}/escalate/": WORKING | CDS,  # CDS may escalate any ticket
    "POST /api/v1/sla/calculate/": EVERYONE,
    # --- API: reports -------------------------------------------------------------------------
    "GET /api/v1/reports/scorecard/": EVERYONE,
    "GET /api/v1/reports/programme/": HP,
    # --- API: webhooks ------------------------------------------------------------------------
    "GET /api/v1/webhooks/": WEBHOOKS,
    "POST /api/v1/webhooks/": WEBHOOKS,
    "GET /api/v1/webhooks/{id}/": WEBHOOKS,
    "PATCH /api/v1/webhooks/{id}/": ONLY_ADMIN,
    "DELETE /api/v1/webhooks/{id}/": ONLY_ADMIN,
    "POST /api/v1/webhooks/{id}/rotate-secret/": ONLY_ADMIN,
    "POST /api/v1/webhooks/{id}/ping/": ONLY_ADMIN,
    "GET /api/v1/webhooks/{id}/deliveries/": WEBHOOKS,
    "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver/": ONLY_ADMIN,
}

# Admin pages anyone may reach: its login and logout.
ADMIN_OPEN = frozenset({"/admin/login/", "/admin/logout/"})
