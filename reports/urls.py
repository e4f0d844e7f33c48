"""Report pages: the partner scorecard (partners and HP) and HP's programme dashboard."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/scorecard/", views.scorecard, name="scorecard"),
    path("reports/programme/", views.programme, name="programme"),
]
