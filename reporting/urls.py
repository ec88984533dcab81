"""Pages of reporting."""

app_name = "reporting"

urlpatterns: list = []
