"""Pages of the conflict inbox and notifications (namespace "conflicts")."""

app_name = "conflicts"

urlpatterns: list = []
