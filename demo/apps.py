from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of ``make run`` (``seed_demo``): one login per role and every
    capability's data, seeded through each app's own demo module. It sits above every
    app and nothing imports it."""

    name = "demo"
    verbose_name = "ServiceOne demo"
