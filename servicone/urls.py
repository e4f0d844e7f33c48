from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from servicone import health
from servicone.views import account, errors, home, notifications

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/2fa/", account.two_factor, name="two-factor"),
    path("accounts/2fa/verify/", account.two_factor_verify, name="two-factor-verify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("servicone.api.urls")),
    path("notifications/", include(notifications.urlpatterns)),
    path("", include("partners.urls")),
    path("", include("contracts.urls")),
    path("", include("tickets.urls")),
    path("", include("reports.urls")),
]

# Under /api/, a path no route matches is a 404 in the API's error format.
handler404 = errors.page_not_found

admin.site.site_header = "ServiceOne — administration"
admin.site.site_title = "ServiceOne"
