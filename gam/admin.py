"""Django's admin is for platform operators only (tenant admins use the settings pages).
It is the one place that reads across tenants, visibly through ``unscoped``."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from rest_framework.authtoken.models import TokenProxy

from gam.context import identity_lookup
from gam.models import AuditLogEntry, Country, Tenant, User


class CrossTenantAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return self.model.unscoped.all()


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "tenant", "is_tenant_admin", "is_active", "is_staff"]
    list_filter = ["tenant", "is_tenant_admin", "is_staff", "is_active"]
    search_fields = ["email", "name"]
    raw_id_fields = ["country"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name", "tenant", "country"]}),
        ("Permissions", {"fields": ["is_active", "is_tenant_admin", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "password1", "password2", "tenant"]})]


@admin.register(Country)
class CountryAdmin(CrossTenantAdmin):
    list_display = ["code", "name", "currency", "tenant"]
    list_filter = ["tenant"]


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(CrossTenantAdmin):
    list_display = ["at", "tenant", "actor", "action", "object_type", "object_id"]
    list_filter = ["tenant", "action"]


# DRF's token admin would create tokens in clear, which authentication no longer reads
# (gam.tokens keeps digests only): users manage their tokens over tokens/ instead.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)

# The operators' login and logout read users and write django-axes' attempts with no tenant
# in context: inside identity_lookup, as the product's login (row-level security, gam.rls).
admin.site.login = identity_lookup()(admin.site.login)
admin.site.logout = identity_lookup()(admin.site.logout)
