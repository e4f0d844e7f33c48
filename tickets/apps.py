from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from servicone.observability import register_scrape
        from tickets.metrics import sla_sweep_lag

        register_scrape(sla_sweep_lag)
