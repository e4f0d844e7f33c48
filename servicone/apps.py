from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceOneConfig(AppConfig):
    name = "servicone"
    verbose_name = _("Portail ServiceOne")
