"""Pages of teams."""

app_name = "teams"

urlpatterns: list = []
