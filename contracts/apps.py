from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"

    def ready(self) -> None:
        from contracts import payloads

        # How contract.* webhooks carry their contract.
        payloads.register_renderers()
