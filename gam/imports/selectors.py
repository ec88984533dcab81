"""Which import jobs a user sees."""

from __future__ import annotations

from django.http import Http404

from gam.models import ImportJob, User


def jobs_visible_to(user: User):
    """Users see their own imports; a tenant admin sees everyone's."""
    qs = ImportJob.objects.select_related("created_by", "country")
    return qs if user.is_tenant_admin else qs.filter(created_by=user)


def access_import_job(user: User, pk: int) -> ImportJob:
    """The job, or 404 when it is missing or not the user's to see."""
    job = jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
