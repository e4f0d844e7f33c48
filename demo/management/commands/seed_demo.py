from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_all


class Command(BaseCommand):
    help = "Load the demo data (idempotent: a second run changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the demo logins."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seed_all()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not options["quiet_logins"]:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for login in DEMO_LOGINS:
                self.stdout.write(f"  {login.username:<18} {login.role:<22} {login.description}")
