"""Programme pages: the partner's own (``programme/``) and HP's (``hp/``)."""

from django.urls import path

from partners.views import accreditations, api_keys, hp, programme, team

app_name = "partners"

urlpatterns = [
    path("programme/", programme.programme, name="programme"),
    path("programme/team/", team.team, name="team"),
    path("programme/users/", team.users, name="users"),
    path("programme/accreditations/", accreditations.accreditation_list, name="accreditations"),
    path(
        "programme/accreditations/apply/",
        accreditations.accreditation_apply,
        name="accreditation-apply",
    ),
    path(
        "programme/accreditations/<int:accreditation_id>/withdraw/",
        accreditations.accreditation_withdraw,
        name="accreditation-withdraw",
    ),
    path("programme/api-keys/", api_keys.partner_api_keys, name="api-keys"),
    path(
        "programme/api-keys/<int:key_id>/revoke/",
        api_keys.partner_api_key_revoke,
        name="api-key-revoke",
    ),
    path("hp/programme/", hp.hp_overview, name="hp-overview"),
    path("hp/api-keys/", api_keys.hp_api_keys, name="hp-api-keys"),
    path("hp/api-keys/<int:key_id>/revoke/", api_keys.hp_api_key_revoke, name="hp-api-key-revoke"),
    path("hp/partners/<int:partner_id>/", programme.hp_partner_programme, name="hp-partner"),
    path("hp/accreditations/", hp.hp_accreditation_queue, name="hp-queue"),
    path(
        "hp/accreditations/<int:accreditation_id>/",
        hp.hp_accreditation_detail,
        name="hp-accreditation",
    ),
    path(
        "hp/accreditations/<int:accreditation_id>/approve/",
        hp.hp_accreditation_decide,
        {"decision": "approve"},
        name="hp-accreditation-approve",
    ),
    path(
        "hp/accreditations/<int:accreditation_id>/reject/",
        hp.hp_accreditation_decide,
        {"decision": "reject"},
        name="hp-accreditation-reject",
    ),
]
