"""Pages of account plans and reviews (kept apart from accounts/urls.py: own namespace)."""

app_name = "plans"

urlpatterns: list = []
