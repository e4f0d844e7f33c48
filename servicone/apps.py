from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceOneConfig(AppConfig):
    name = "servicone"
    verbose_name = _("Portail ServiceOne")

    def ready(self) -> None:
        from servicone.observability import (
            connect_request_signals,
            outbox_backlog,
            register_scrape,
        )

        connect_request_signals()
        register_scrape(outbox_backlog)
