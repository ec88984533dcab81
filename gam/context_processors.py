from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, who sees it). Entries whose page does not exist are left out.
NAVIGATION = [
    (_("Home"), "home", "all"),
    (_("Global accounts"), "accounts:global_account_list", "all"),
    (_("Customers"), "accounts:subsidiary_list", "all"),
    (_("Pipeline"), "opportunities:pipeline", "all"),
    (_("Leads"), "opportunities:lead_list", "all"),
    (_("Conflicts"), "conflicts:conflict_list", "all"),
    (_("Dashboards"), "reporting:tenant_dashboard", "all"),
    (_("Import"), "imports:import_home", "all"),
    (_("Settings"), "settings_home", "admin"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.tenant_id is None:
        return {}
    items = []
    for label, url_name, audience in NAVIGATION:
        if audience == "admin" and not user.is_tenant_admin:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": label,
                "url": url,
                "active": request.path.startswith(url) if url != "/" else request.path == "/",
            }
        )
    return {"nav_items": items}
