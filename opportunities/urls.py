"""Pages of opportunities."""

app_name = "opportunities"

urlpatterns: list = []
