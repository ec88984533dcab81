"""The import API: ``POST imports/`` with a file (multipart), ``kind`` (a registered kind,
gam.imports.registry), optional ``country`` and ``dry_run`` (default true) queues a check
(and, without dry run, the write); the job is polled at ``GET imports/{id}/`` and a checked
job is written with ``POST imports/{id}/apply/``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from gam.drf import TenantScopedAPIMixin, TenantSlugRelatedField
from gam.imports import progress, registry, services
from gam.imports.files import MAX_FILE_BYTES
from gam.imports.selectors import jobs_visible_to
from gam.imports.sources import SOURCES
from gam.models import Country, ImportJob

# A job's preview can have 100,000 rows; the API shows the first ones (the page paginates).
PREVIEW_ROWS = 1000


class KindField(serializers.ChoiceField):
    """The registered kinds. Read each time a serializer is built (DRF copies declared fields
    by calling their constructor again), so the order of app loading does not matter."""

    def __init__(self, **kwargs):
        super().__init__(choices=registry.kinds(), **kwargs)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = KindField()
    country = TenantSlugRelatedField(
        model=Country, slug_field="code", required=False, allow_null=True
    )
    dry_run = serializers.BooleanField(default=True)
    mapping = serializers.JSONField(
        required=False,
        help_text='Which field each column is: {"header": "field"} ("" ignores the '
        "column; columns not named keep the suggestion) or a list with one field per column. "
        "Without it: the mapping saved for files with this header row, else the one suggested "
        "from the headers and the export presets (GET imports/fields/?kind=...).",
    )
    source = serializers.ChoiceField(
        choices=list(SOURCES),
        required=False,
        help_text="The system the file comes from, the namespace of its source ids "
        "(salesforce, hubspot, dynamics, or empty for a spreadsheet); detected from the "
        "headers when not given.",
    )
    owners = serializers.JSONField(
        required=False,
        help_text="Owner ids of the source system mapped to users (email or name), once for "
        'every later file: {"0055g00000AbCdE": "anna@example.com"}. Tenant admins.',
    )

    def validate_mapping(self, value):
        if isinstance(value, dict) and all(isinstance(v, str | None) for v in value.values()):
            return value
        if isinstance(value, list) and all(isinstance(v, str | None) for v in value):
            return value
        raise serializers.ValidationError(
            "A JSON object {header: field} or a list of fields, one per column."
        )

    def validate_owners(self, value):
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return value
        raise serializers.ValidationError("A JSON object {owner id: user email or name}.")

    def validate_file(self, upload):
        if upload.size > MAX_FILE_BYTES:
            raise serializers.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // 2**20} MB."
            )
        return upload


class ImportApplySerializer(serializers.Serializer):
    only_valid = serializers.BooleanField(
        default=False,
        help_text="Write the rows without errors and leave the others (errors file); "
        "without it a job with any bad row writes nothing.",
    )


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    kind = KindField(read_only=True, label=gettext_lazy("What"))
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    errors = ImportRowErrorSerializer(many=True, read_only=True)
    summary = serializers.DictField(read_only=True)
    progress = serializers.SerializerMethodField(
        help_text="Percent done. In an apply, checking the rows is the first 80 %, writing "
        "them the rest."
    )
    written_rows = serializers.SerializerMethodField(
        help_text="While an apply writes (in one transaction): the rows written so far; "
        "null otherwise."
    )
    followups = serializers.SerializerMethodField(
        help_text="After an apply: what the scans found since (likely duplicate customers, "
        "unlinked groups, parallel opportunities), each with its count and the page to review "
        "them; pending while the scan runs."
    )
    preview = serializers.SerializerMethodField(
        help_text=f"What each row does, first {PREVIEW_ROWS} rows; errors has every bad row."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "country",
            "filename",
            "source",
            "headers",
            "mapping",
            "total_rows",
            "processed_rows",
            "written_rows",
            "progress",
            "summary",
            "errors",
            "preview",
            "followups",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job) -> int:
        return progress.live_progress(job)

    def get_written_rows(self, job) -> int | None:
        return progress.rows_written(job)

    def get_followups(self, job) -> list[dict]:
        request = self.context.get("request")
        return registry.followups(job, request.user) if request is not None else []

    def get_preview(self, job) -> list[dict]:
        return job.preview[:PREVIEW_ROWS]


class ImportJobListSerializer(ImportJobSerializer):
    class Meta(ImportJobSerializer.Meta):
        fields = [
            f
            for f in ImportJobSerializer.Meta.fields
            if f not in ("errors", "preview", "followups")
        ]
        read_only_fields = fields


class ImportJobViewSet(
    TenantScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Imports of customers, contacts and opportunities (your own; a tenant admin sees all)."""

    parser_classes = [MultiPartParser, FormParser]
    queryset = ImportJob.objects.none()

    def get_queryset(self):
        qs = jobs_visible_to(self.request.user).order_by("-created_at", "-id")
        if self.action == "list":
            qs = qs.defer("rows", "preview", "errors")
        return qs.defer("rows")

    def get_serializer_class(self):
        if self.action == "list":
            return ImportJobListSerializer
        if self.action == "create":
            return ImportUploadSerializer
        return ImportJobSerializer

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobSerializer},
    )
    def create(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            job = services.import_job_create(
                user=request.user,
                kind=data["kind"],
                country=data.get("country"),
                filename=data["file"].name,
                data=data["file"].read(),
                dry_run=data["dry_run"],
                mapping=data.get("mapping"),
                source=data.get("source"),
                owners=data.get("owners"),
            )
        except DjangoValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc
        return Response(
            ImportJobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=ImportApplySerializer, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def apply(self, request, pk=None):
        job = self.get_object()
        if job.created_by_id != request.user.pk:
            raise PermissionDenied("Only the person who uploaded the file can apply it.")
        options = ImportApplySerializer(data=request.data)
        options.is_valid(raise_exception=True)
        try:
            services.import_job_apply(
                job=job, user=request.user, only_valid=options.validated_data["only_valid"]
            )
        except DjangoValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc
        return Response(
            ImportJobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )
