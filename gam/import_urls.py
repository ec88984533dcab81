"""Import pages (CSV/Excel import of subsidiaries, contacts, opportunities); see gam/imports.py."""

app_name = "imports"

urlpatterns: list = []
