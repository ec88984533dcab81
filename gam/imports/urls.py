"""Import pages (CSV/Excel import of subsidiaries, contacts, opportunities); see
gam/imports/services.py."""

from django.urls import path

from gam.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_home, name="import_home"),
    path("templates/<str:kind>.csv", views.template_csv, name="template_csv"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/map/", views.job_map, name="job_map"),
    path("<int:pk>/apply/", views.job_apply, name="job_apply"),
    path("<int:pk>/errors.csv", views.job_errors_csv, name="job_errors_csv"),
]
