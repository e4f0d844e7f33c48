from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceOneConfig(AppConfig):
    name = "servicone"
    verbose_name = _("Portail ServiceOne")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from servicone.observability import (
            connect_request_signals,
            outbox_backlog,
            register_scrape,
        )
        from servicone.security import mark_login

        user_logged_in.connect(
            lambda sender, request, user, **_: mark_login(request) if request is not None else None,
            weak=False,
            dispatch_uid="servicone-session-clock",
        )
        connect_request_signals()
        register_scrape(outbox_backlog)
