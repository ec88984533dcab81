"""Platform core: tenants, users, markets (countries) and exchange rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gam.counts import bump_data_version
from gam.iso import CountryCodeValidator, CurrencyCodeValidator
from gam.tenancy import TenantManager, TenantOwnedModel, current_tenant_id

# Assigned ISO codes only (gam/iso.py): "XX", "UK" and "KRO" are refused.
currency_code_validator = CurrencyCodeValidator()
country_code_validator = CountryCodeValidator()


class Tenant(models.Model):
    """A seller company using GAM. Every tenant-owned row points here."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(
        _("reporting currency"), max_length=3, default="EUR", validators=[currency_code_validator]
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


def current_tenant() -> Tenant:
    """The tenant in context, read from the database (raises with none in context)."""
    return Tenant.objects.get(pk=current_tenant_id())


class UserManager(BaseUserManager):
    """Unscoped on purpose: login looks a user up by email before any tenant is known.

    Tenant-scoped lookups of users go through ``User.in_tenant`` (see gam/selectors.py).
    """

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class UserTenantManager(TenantManager):
    pass


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email. Tenant users have a tenant; platform operators
    (Django admin only) have none."""

    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    country = models.ForeignKey(
        "gam.Country",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("home country"),
    )
    is_tenant_admin = models.BooleanField(_("tenant admin"), default=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    language = models.CharField(
        max_length=8, default="en", choices=[("en", "English"), ("sv", "Svenska")]
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    in_tenant = UserTenantManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["name", "email"]
        indexes = [models.Index(fields=["tenant", "name"])]

    def __str__(self) -> str:
        return self.name or self.email

    def delete(self, *args, **kwargs):
        # Their records lose their owner (SET NULL): owner-filtered list counts change.
        result = super().delete(*args, **kwargs)
        bump_data_version(self.tenant_id)
        return result

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def save(self, *args, **kwargs):
        # set_password() keeps the raw password until the save (Django's password_changed
        # hook). A hasher upgrade at login clears it first, so only a real change ends the
        # user's API tokens: whoever held one must ask for a new one with the new password.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self).delete()


class ApiToken(models.Model):
    """An API token of a user. The secret is shown once, at creation; the database keeps
    only its SHA-256 (a random 256-bit secret needs no slow hash) and its first characters,
    so a leaked table holds no usable token. Not tenant-owned: authentication reads it
    before any tenant is known (like the users table); every query filters by the user's
    tenant explicitly (gam.tokens)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters of the secret.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class UnsentTask(models.Model):
    """A task that could not be queued because the broker was down. ``gam.tasks.send_task``
    keeps it here and ``send_unsent_tasks`` (Celery beat) queues it once the broker is back,
    so no work is lost to an outage. It holds a task name and ids, never a tenant's data, and
    is read with no tenant in context: not tenant-owned."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    # SHA-256 of the task and its arguments: a call repeated during the outage is kept once.
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)!r}"


class Country(TenantOwnedModel):
    """A market the tenant sells in, with its currency and local sales unit."""

    code = models.CharField(_("code"), max_length=2, validators=[country_code_validator])
    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code_validator])
    sales_unit = models.CharField(_("local sales unit"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "code"], name="country_code_unique_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ExchangeRate(TenantOwnedModel):
    """Units of the tenant's reporting currency for one unit of ``currency`` from a date on."""

    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    rate = models.DecimalField(
        max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )
    valid_from = models.DateField(default=date.today)

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "currency", "valid_from"], name="exchange_rate_unique_per_day"
            )
        ]
        indexes = [models.Index(fields=["tenant", "currency", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} from {self.valid_from}"


class AuditLogEntry(TenantOwnedModel):
    """Tenant admin actions and permission changes (who did what to what, when)."""

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["tenant", "-at"])]


class ImportJob(TenantOwnedModel):
    """One upload of a CSV or Excel file: its rows, the dry-run preview, the per-row errors
    and, once applied, what was written. The page polls it while a Celery task works.

    Its status moves forward only, each step a conditional update of the row (see
    gam/imports/runner.py), so a second apply or a task delivered twice cannot run the same
    step again: queued -> validating -> preview or invalid; preview -> applying -> done or
    invalid; any running step -> failed."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Choose the columns")
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Checking rows")
        PREVIEW = "preview", _("Ready to apply")
        INVALID = "invalid", _("Has errors")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    RUNNING = (Status.QUEUED, Status.VALIDATING, Status.APPLYING)

    # The record type: a kind of gam.imports.registry, registered by the app that owns it
    # (its label: gam.imports.registry.label).
    kind = models.CharField(_("what"), max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("country"),
    )
    filename = models.CharField(max_length=255, blank=True)
    # The system the file was exported from ("salesforce", "hubspot", "dynamics", or "" for
    # a spreadsheet): the namespace of its source ids (SourceId).
    source = models.CharField(_("source"), max_length=20, blank=True)
    # The file's header row as written, and per column the field it is read as ("" when
    # ignored). While the job waits for its mapping, ``rows`` holds the rows as read:
    # [row number, cell, cell, ...]; from then on {field: text}.
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The file's rows as parsed (header -> cell text), so the task needs no file storage.
    rows = models.JSONField(default=list, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    # [{"row": 3, "field": "country", "message": "..."}], every bad row of the file.
    errors = models.JSONField(default=list, blank=True)
    # Per row: {"row", "action" (create/update/match/error), "label", "target", "changes"}.
    preview = models.JSONField(default=list, blank=True)
    # Counts per action and notes about the file (ignored columns ...).
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} · {self.filename}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING


class ImportMapping(TenantOwnedModel):
    """A mapping of columns to fields saved by a tenant under a name, offered again for the
    next file of the same kind with the same header row."""

    kind = models.CharField(max_length=20)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(max_length=20, blank=True)
    # gam.imports.fields.header_shape of the header row it was made for.
    shape = models.CharField(max_length=2000)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "name"], name="import_mapping_unique_name"
            )
        ]
        indexes = [models.Index(fields=["tenant", "kind", "shape"])]

    def __str__(self) -> str:
        return self.name


class SourceId(TenantOwnedModel):
    """The id a record had in the system it was imported from, so a re-import of that
    system's export updates the record instead of adding it again. ``model`` is the record's
    model label ("accounts.subsidiary"); no foreign key, one table serves every model (and
    users, for the owner ids of an export). One source id names one record per tenant."""

    source = models.CharField(max_length=20)
    model = models.CharField(max_length=60)
    external_id = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source", "model", "external_id"],
                name="source_id_unique_per_tenant",
            )
        ]
        indexes = [models.Index(fields=["tenant", "model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class SearchWord(TenantOwnedModel):
    """One normalized word of a record's searchable text, for word-prefix search (gam.search).

    ``LIKE '%text%'`` is not leakproof, so under row-level security PostgreSQL cannot read it
    from any index and scans the whole tenant; ``starts_with(word, 'text')`` on this table is
    leakproof and becomes a range condition of the b-tree below. ``record_id`` is the id of a
    row of the model named by ``kind`` (no foreign key: one table serves several models)."""

    class Kind(models.IntegerChoices):
        GLOBAL_ACCOUNT = 1, "global account name"
        SUBSIDIARY = 2, "subsidiary name"
        SUBSIDIARY_CODE = 3, "subsidiary registration number and website"
        OPPORTUNITY = 4, "opportunity name"
        ACTIVITY = 5, "activity subject"
        CAMPAIGN = 6, "campaign name"

    # The primary key leads with tenant_id: no separate index of the foreign key.
    tenant = models.ForeignKey(
        "gam.Tenant", on_delete=models.CASCADE, editable=False, db_index=False
    )
    pk = models.CompositePrimaryKey("tenant", "kind", "record_id", "word")
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    record_id = models.BigIntegerField()
    word = models.CharField(max_length=64)

    class Meta:
        indexes = [
            # The search: tenant and kind equal, word in a prefix range, record ids read from
            # the index itself (index-only scan). The primary key serves "the words of a record".
            models.Index(
                fields=["tenant", "kind", "word", "record_id"],
                opclasses=["int8_ops", "int2_ops", "text_pattern_ops", "int8_ops"],
                name="gam_searchword_prefix",
            )
        ]


class WebhookEndpoint(TenantOwnedModel):
    """An HTTPS endpoint a tenant admin registered for events (gam.webhooks). ``secret``
    signs every delivery (HMAC-SHA256); it is the key the receiver checks with, so it is
    kept (shown in full once, at creation)."""

    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=80, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TenantOwnedModel):
    """One event sent (or being sent) to one endpoint: the delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]
