"""Programme pages: the partner's own (``programme/``) and HP's (``hp/``)."""

from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("programme/", views.programme, name="programme"),
    path("programme/team/", views.team, name="team"),
    path("programme/users/", views.users, name="users"),
    path("programme/accreditations/", views.accreditation_list, name="accreditations"),
    path("programme/accreditations/apply/", views.accreditation_apply, name="accreditation-apply"),
    path(
        "programme/accreditations/<int:accreditation_id>/withdraw/",
        views.accreditation_withdraw,
        name="accreditation-withdraw",
    ),
    path("hp/programme/", views.hp_overview, name="hp-overview"),
    path("hp/partners/<int:partner_id>/", views.hp_partner_programme, name="hp-partner"),
    path("hp/accreditations/", views.hp_accreditation_queue, name="hp-queue"),
    path(
        "hp/accreditations/<int:accreditation_id>/",
        views.hp_accreditation_detail,
        name="hp-accreditation",
    ),
    path(
        "hp/accreditations/<int:accreditation_id>/approve/",
        views.hp_accreditation_decide,
        {"decision": "approve"},
        name="hp-accreditation-approve",
    ),
    path(
        "hp/accreditations/<int:accreditation_id>/reject/",
        views.hp_accreditation_decide,
        {"decision": "reject"},
        name="hp-accreditation-reject",
    ),
]
