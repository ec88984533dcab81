"""Word-prefix search of the lists (``?search=`` of the API, the search box of the pages).

A record matches when every word of the search is the beginning of one of its words: "nord"
finds "Nordvik AB", "vik ab" finds a record with a word starting "vik" and one starting
"ab". Words are compared normalized: lower case, accents folded ("Müller" = "muller", "ß" =
"ss"), split at anything that is not a letter or digit ("Nord-Vik" is "nord" and "vik").

Why not ``name ILIKE '%text%'``: under row-level security (gam/rls.py) PostgreSQL only uses
leakproof functions as index conditions, and ``LIKE`` / ``upper()`` are not, so every search
read the whole tenant (1.8 s for an opportunity search at 500k rows). The words live in
``SearchWord`` (tenant, kind, record id, word) with a b-tree on
``(tenant_id, kind, word text_pattern_ops)``; ``starts_with(word, 'nord')`` is leakproof and
becomes the range ``word ~>=~ 'nord' AND word ~<~ 'nore'`` of that index. A list is then
filtered with ``id = ANY(ARRAY(SELECT record_id ...))`` per word (gam.lookups), which
PostgreSQL reads from the list table's primary key (or ``subsidiary_id`` index).

The words are kept in step by signals on save (created or renamed, see ``connect``), by the
importers and bulk paths (``index``), and forgotten by the delete services (``forget``).
Words left behind by another delete path are harmless: ids are never reused, so they only
ever point at no row. ``rebuild`` recomputes everything (data migration, bench loader,
``manage.py search_words``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache

from django.db import connection as default_connection
from django.db import models
from django.db.models import F, Lookup, Q, QuerySet
from django.db.models.signals import post_init, post_save

from gam.lookups import in_subquery
from gam.models import SearchWord
from gam.tenancy import current_tenant_id, tenant_context
from gam.text import fold

Kind = SearchWord.Kind

WORD_LENGTH = SearchWord._meta.get_field("word").max_length
# A search of more words is cut to these (each word is one index range and one subquery).
MAX_TERMS = 8
_SPLIT = re.compile(r"[\W_]+")
_WEB_NOISE = frozenset({"http", "https", "www"})

# What each kind indexes: (app label, model, text fields).
SOURCES: dict[int, tuple[str, str, tuple[str, ...]]] = {
    Kind.GLOBAL_ACCOUNT: ("accounts", "GlobalAccount", ("name",)),
    Kind.SUBSIDIARY: ("accounts", "Subsidiary", ("name",)),
    Kind.SUBSIDIARY_CODE: ("accounts", "Subsidiary", ("registration_number", "website")),
    Kind.OPPORTUNITY: ("opportunities", "Opportunity", ("name",)),
    Kind.ACTIVITY: ("opportunities", "Activity", ("subject",)),
    Kind.CAMPAIGN: ("opportunities", "Campaign", ("name",)),
}


# --- normalization --------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The distinct normalized words of ``text``, in order."""
    if not text:
        return []
    folded = text.casefold() if text.isascii() else fold(text)
    return list(dict.fromkeys(w[:WORD_LENGTH] for w in _SPLIT.split(folded) if w))


def code_words(registration_number: str, website: str) -> list[str]:
    """A registration number as typed and compacted ("SE 556-1" -> "se", "556", "1",
    "se5561"), and the host words of a website without "www" and the scheme."""
    found = words(registration_number)
    compact = "".join(found)[:WORD_LENGTH]
    found += [compact] if len(found) > 1 else []
    host = website.split("//", 1)[-1].split("/", 1)[0]
    found += [w for w in words(host) if w not in _WEB_NOISE]
    return list(dict.fromkeys(found))


def terms(query: str) -> list[str]:
    """The words of a search, at most ``MAX_TERMS``."""
    return words(query or "")[:MAX_TERMS]


def words_of(kind: int, values: Iterable[str]) -> list[str]:
    values = [v or "" for v in values]
    if kind == Kind.SUBSIDIARY_CODE:
        return code_words(*values)
    return words(" ".join(values))


# --- the query ------------------------------------------------------------------------------


class WordPrefix(Lookup):
    """``word`` begins with the (normalized) term: ``starts_with()`` on PostgreSQL, which
    is leakproof and an index range; ``LIKE 'term%'`` elsewhere (terms hold no wildcard:
    only letters and digits, see ``words``)."""

    lookup_name = "word_prefix"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} LIKE %s", (*lhs_params, f"{self.rhs}%")

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"starts_with({lhs}, %s)", (*lhs_params, self.rhs)


def record_ids(kind: int, term: str) -> QuerySet:
    """Ids of the current tenant's records of ``kind`` with a word beginning ``term``."""
    return SearchWord.objects.filter(WordPrefix(F("word"), term), kind=kind).values("record_id")


def search(qs: QuerySet, query: str, columns: Mapping[str, int | Iterable[int]]) -> QuerySet:
    """``qs`` narrowed to the records matching ``query``: every search word begins a word of
    one of ``columns`` (column of ``qs`` -> kind(s) of the records that column points at;
    e.g. ``{"id": OPPORTUNITY, "subsidiary_id": SUBSIDIARY}``). No searchable word (only
    punctuation): nothing matches."""
    found = terms(query)
    if not found:
        return qs.none()
    for term in found:
        condition = Q()
        for column, kinds in columns.items():
            for kind in (kinds,) if isinstance(kinds, int) else kinds:
                condition |= Q(in_subquery(column, record_ids(kind, term)))
        qs = qs.filter(condition)
    return qs


# --- keeping the words in step --------------------------------------------------------------


def _model(kind: int, apps=None):
    from django.apps import apps as global_apps

    app_label, name, _fields = SOURCES[kind]
    return (apps or global_apps).get_model(app_label, name)


@cache
def kinds_of(model) -> tuple[int, ...]:
    label = (model._meta.app_label, model._meta.object_name)
    return tuple(k for k, (app, name, _f) in SOURCES.items() if (app, name) == label)


def _store(rows_by_kind: Mapping[int, list[tuple]], *, replace: bool) -> None:
    rows_by_kind = {k: rows for k, rows in rows_by_kind.items() if rows}
    if not rows_by_kind:
        return
    if replace:
        stale = Q()
        for kind, rows in rows_by_kind.items():
            stale |= Q(kind=kind, record_id__in=[r[0] for r in rows])
        SearchWord.objects.filter(stale).delete()
    tenant_id = current_tenant_id()  # bulk_create does not call save()
    SearchWord.objects.bulk_create(
        [
            SearchWord(tenant_id=tenant_id, kind=kind, record_id=r[0], word=w)
            for kind, rows in rows_by_kind.items()
            for r in rows
            for w in words_of(kind, r[1:])
        ],
        batch_size=5000,
    )


def index_records(records: Iterable[models.Model], *, created: bool) -> None:
    """Words of saved instances of one model written by a bulk path (no save signal):
    every kind of the model; of updated records only the kinds whose text changed since
    they were loaded. Two queries at most."""
    records = list(records)
    if not records:
        return
    model = type(records[0])
    fields = _fields_of(model)
    rows: dict[int, list[tuple]] = {}
    for r in records:
        for kind in _changed_kinds(model, r, fields, created):
            rows.setdefault(kind, []).append((r.pk, *(getattr(r, f) for f in SOURCES[kind][2])))
        _remember(model, r)
    _store(rows, replace=not created)


def forget(kind: int, record_ids: Iterable[int] | QuerySet) -> None:
    """Drop the words of deleted records (ids, or a ``values("pk")`` queryset: one query)."""
    ids = record_ids if isinstance(record_ids, QuerySet) else list(record_ids)
    if isinstance(ids, QuerySet) or ids:
        SearchWord.objects.filter(kind=kind, record_id__in=ids).delete()


def forget_records(model, record_ids: Iterable[int]) -> None:
    """Drop the words of deleted records (one query)."""
    ids = list(record_ids)
    if ids:
        SearchWord.objects.filter(kind__in=kinds_of(model), record_id__in=ids).delete()


# The text fields' values as loaded, so that a save which did not change them costs nothing.
_LOADED = "_search_loaded"
_DEFERRED = object()


@cache
def _fields_of(model) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for k in kinds_of(model) for f in SOURCES[k][2]))


def _snapshot(instance, fields) -> tuple:
    values = instance.__dict__
    return tuple(values.get(f, _DEFERRED) for f in fields)


def _changed_kinds(model, instance, fields, created: bool) -> list[int]:
    if created or _LOADED not in instance.__dict__:
        return list(kinds_of(model))
    now, before = _snapshot(instance, fields), instance.__dict__[_LOADED]
    return [
        kind
        for kind in kinds_of(model)
        if any(now[fields.index(f)] != before[fields.index(f)] for f in SOURCES[kind][2])
    ]


def _remember(sender, instance, **kwargs) -> None:
    instance.__dict__[_LOADED] = _snapshot(instance, _fields_of(sender))


def _saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw:
        return  # fixtures: run ``manage.py search_words`` after loading
    fields = _fields_of(sender)
    if update_fields is not None and not set(update_fields) & set(fields):
        return
    changed = {
        kind: [(instance.pk, *(getattr(instance, f) for f in SOURCES[kind][2]))]
        for kind in _changed_kinds(sender, instance, fields, created)
    }
    with tenant_context(instance.tenant_id):  # the record's tenant, whatever is in context
        _store(changed, replace=not created)
    instance.__dict__[_LOADED] = _snapshot(instance, fields)


def connect() -> None:
    """Called once from ``GamConfig.ready``: watch the saves of every searchable model."""
    for model in {_model(k) for k in SOURCES}:
        uid = f"gam_search_{model._meta.label_lower}"
        post_init.connect(_remember, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)


# --- rebuilding -----------------------------------------------------------------------------

CHUNK = 20_000


def _source_rows(connection, cursor, table, fields, tenant_id, chunk: int) -> Iterator:
    """(id, tenant id, field values...) of every row, in keyset chunks of the id."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f) for f in fields)
    where = "" if tenant_id is None else " AND tenant_id = %s"
    last = 0
    while True:
        params = [last] + ([] if tenant_id is None else [tenant_id]) + [chunk]
        cursor.execute(
            f"SELECT id, tenant_id, {columns} FROM {qn(table)} WHERE id > %s{where} "
            "ORDER BY id LIMIT %s",
            params,
        )
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def rebuild(connection=None, *, apps=None, tenant_id: int | None = None, chunk: int = CHUNK) -> int:
    """Recompute every word (of one tenant, or of all: reads and writes across tenants, for
    migrations, the bench loader and the repair command run by the database owner). Raw SQL
    and COPY on PostgreSQL: millions of rows. Returns the number of words written."""
    connection = connection or default_connection
    table = SearchWord._meta.db_table
    written = 0
    with connection.cursor() as cursor:
        if tenant_id is None:
            cursor.execute(f"DELETE FROM {table}")
        else:
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant_id])
        for kind, (_app, _name, fields) in SOURCES.items():
            source = _model(kind, apps)._meta.db_table
            for rows in _source_rows(connection, cursor, source, fields, tenant_id, chunk):
                lines = [
                    (tenant, kind, pk, word)
                    for pk, tenant, *values in rows
                    for word in words_of(kind, values)
                ]
                _write(connection, cursor, table, lines)
                written += len(lines)
    return written


def _write(connection, cursor, table: str, lines: list[tuple]) -> None:
    if not lines:
        return
    if connection.vendor == "postgresql":
        import io

        # Words hold letters and digits only: nothing to escape in COPY's text format.
        buffer = io.StringIO("".join(f"{t}\t{k}\t{r}\t{w}\n" for t, k, r, w in lines))
        cursor.copy_expert(f"COPY {table} (tenant_id, kind, record_id, word) FROM STDIN", buffer)
    else:
        cursor.executemany(
            f"INSERT INTO {table} (tenant_id, kind, record_id, word) VALUES (%s, %s, %s, %s)",
            lines,
        )
