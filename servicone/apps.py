from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceOneConfig(AppConfig):
    name = "servicone"
    verbose_name = _("Portail ServiceOne")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from servicone import twofactor
        from servicone.observability import (
            connect_request_signals,
            outbox_backlog,
            register_scrape,
        )
        from servicone.security import mark_login

        def on_login(sender: object, request: object, user: object, **_: object) -> None:
            if request is None:
                return
            mark_login(request)  # type: ignore[arg-type]
            # What this login still owes: a code, a second factor to set up, or nothing.
            request.session[twofactor.SESSION_KEY] = twofactor.state_after_password(user)  # type: ignore[attr-defined]

        user_logged_in.connect(on_login, weak=False, dispatch_uid="servicone-session-clock")
        connect_request_signals()
        register_scrape(outbox_backlog)
