from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Programme ServiceOne")

    def ready(self) -> None:
        from partners import payloads
        from partners.staff import ensure_staff_groups

        # How tier.changed, accreditation.* and certification.* webhooks carry their resource.
        payloads.register_renderers()
        # Every app's post_migrate: permissions of later apps exist only after theirs.
        post_migrate.connect(ensure_staff_groups, dispatch_uid="partners-staff-groups")
