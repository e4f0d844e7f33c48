from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from demo.seed import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the portal's URL and the demo logins (used by make run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        line = "=" * 72
        self.stdout.write(line)
        self.stdout.write(f"ServiceOne portal: http://127.0.0.1:{options['port']}/")
        self.stdout.write(f"API docs:          http://127.0.0.1:{options['port']}/api/docs/")
        self.stdout.write(f"Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
        self.stdout.write(f"Broker:   {settings.CELERY_BROKER_URL}")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<18} {login.role:<22} {login.description}")
        self.stdout.write("Ctrl-C stops the web server, the workers and beat.")
        self.stdout.write(line)
