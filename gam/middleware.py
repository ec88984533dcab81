from gam.tenancy import activate_tenant, deactivate_tenant


class TenantMiddleware:
    """Sets the tenant of the session user for the whole request, and clears it after.

    Token-authenticated API requests are authenticated later, inside DRF; the API base view
    (gam.drf.TenantScopedAPIMixin) activates their tenant the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tenant_id = user.tenant_id if user is not None and user.is_authenticated else None
        token = activate_tenant(tenant_id)
        try:
            return self.get_response(request)
        finally:
            deactivate_tenant(token)
