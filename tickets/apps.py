from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from servicone.observability import register_scrape
        from tickets import payloads
        from tickets.metrics import sla_sweep_lag

        # How ticket.* and sla.* webhooks carry their ticket.
        payloads.register_renderers()
        register_scrape(sla_sweep_lag)
