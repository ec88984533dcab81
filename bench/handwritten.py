"""The baseline of every list endpoint: the same page of rows (same columns, same order,
same page size, same sharing filter for that user) and the same ``count`` of the whole
filtered list that the API's page carries, fetched by ONE hand-written SQL query (the count
as a scalar subquery joined to the page) and serialized with ``json.dumps``. No per-row
Python: the fastest a list page can be on this schema, which the ORM + DRF endpoint is
compared with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection

from accounts.models import GlobalAccount, Subsidiary
from gam.models import Country, SearchWord
from gam.tenancy import tenant_context
from opportunities.models import Activity, Campaign, CreditSplit, Opportunity, Stage
from teams.models import GlobalAccountUserObjectPermission, TeamMembership

PAGE_SIZE = 50

T = {
    "opp": Opportunity._meta.db_table,
    "act": Activity._meta.db_table,
    "camp": Campaign._meta.db_table,
    "sub": Subsidiary._meta.db_table,
    "ga": GlobalAccount._meta.db_table,
    "country": Country._meta.db_table,
    "stage": Stage._meta.db_table,
    "split": CreditSplit._meta.db_table,
    "perm": GlobalAccountUserObjectPermission._meta.db_table,
    "team": TeamMembership._meta.db_table,
    "words": SearchWord._meta.db_table,
}
K = SearchWord.Kind


@dataclass
class PageSql:
    """One list page: ``SELECT select FROM from_ WHERE where ORDER BY order LIMIT``; the
    count reads ``count_from`` (the record's table and only the joins its filters need)."""

    select: str
    from_: str
    where: str
    order: str
    count_from: str
    params: dict

    def sql(self) -> str:
        return (
            f"SELECT total.n AS __count, page.* FROM"
            f" (SELECT count(*) AS n FROM {self.count_from} WHERE {self.where}) total"
            f" LEFT JOIN (SELECT {self.select} FROM {self.from_} WHERE {self.where}"
            f" ORDER BY {self.order} LIMIT %(limit)s) page ON TRUE"
        )


def _country_join(alias: str, filters: dict, column: str = "country_id") -> str:
    """The join a country filter needs in the count."""
    if "country" not in filters:
        return ""
    return f'JOIN "{T["country"]}" c ON c.id = {alias}.{column}'


def _search(filters: dict, params: dict, columns: dict[str, int]) -> str:
    """The word-prefix search of gam.search: every word begins a word of one of
    ``columns`` (column -> kind of the records it points at), read from the words' index."""
    from gam import search

    condition = ""
    for i, term in enumerate(search.terms(filters["search"])):
        params[f"search{i}"] = term
        either = " OR ".join(
            f"{column} = ANY(ARRAY(SELECT record_id FROM {T['words']} WHERE tenant_id ="
            f" %(tenant)s AND kind = {kind} AND starts_with(word, %(search{i})s)))"
            for column, kind in columns.items()
        )
        condition += f" AND ({either})"
    return condition or " AND FALSE"


def _visibility(alias: str, user) -> tuple[str, dict]:
    """teams.selectors.account_records_visible_filter in SQL: own records, records at own
    subsidiaries, records of accounts the user has the view permission on; each branch a
    condition on the record's own column (``= ANY(ARRAY(subquery))``, as gam.lookups), so
    PostgreSQL ORs index bitmaps."""
    if user.is_tenant_admin:
        return "TRUE", {}
    return (
        f"({alias}.owner_id = %(user)s"
        f' OR {alias}.subsidiary_id = ANY(ARRAY(SELECT id FROM "{T["sub"]}"'
        f" WHERE tenant_id = %(tenant)s AND owner_id = %(user)s))"
        f" OR {alias}.global_account_id = ANY(ARRAY("
        f'SELECT p.content_object_id FROM "{T["perm"]}" p JOIN auth_permission ap'
        " ON ap.id = p.permission_id AND ap.codename = 'view_globalaccount'"
        " WHERE p.user_id = %(user)s)))",
        {"user": user.pk},
    )


def _filters(alias: str, filters: dict) -> tuple[str, dict]:
    sql, params = [], {}
    if "country" in filters:
        sql.append("c.code = %(country)s")
        params["country"] = filters["country"].upper()
    if "owner" in filters:
        sql.append(f"{alias}.owner_id = %(owner)s")
        params["owner"] = int(filters["owner"])
    if "global_account" in filters:
        sql.append(f"{alias}.global_account_id = %(ga)s")
        params["ga"] = int(filters["global_account"])
    if "status" in filters:
        sql.append(f"{alias}.status = %(status)s")
        params["status"] = filters["status"]
    return "".join(f" AND {s}" for s in sql), params


def opportunities(user, filters: dict) -> PageSql:
    visible, params = _visibility("o", user)
    extra, more = _filters("o", filters)
    params.update(more, tenant=user.tenant_id, limit=PAGE_SIZE)
    if "search" in filters:
        extra += _search(filters, params, {"o.id": K.OPPORTUNITY, "o.subsidiary_id": K.SUBSIDIARY})
    table = f'"{T["opp"]}" o'
    return PageSql(
        select=f"""o.id, o.name, o.subsidiary_id AS subsidiary, o.product_line_id AS product_line,
               o.owner_id AS owner, st.slug AS stage, o.amount::text AS amount, o.currency,
               o.close_date::text AS close_date, o.framework_agreement_id AS framework_agreement,
               o.status, o.next_step, o.loss_reason, o.global_account_id AS global_account,
               c.code AS country, o.amount_reporting::text AS amount_reporting,
               (SELECT coalesce(json_agg(json_build_object(
                        'user', cs.user_id, 'country', sc.code, 'percent', cs.percent::text)),
                        '[]')
                  FROM "{T["split"]}" cs JOIN "{T["country"]}" sc ON sc.id = cs.country_id
                 WHERE cs.opportunity_id = o.id) AS credit_splits,
               o.version""",
        from_=f"""{table}
          JOIN "{T["stage"]}" st ON st.id = o.stage_id
          JOIN "{T["country"]}" c ON c.id = o.country_id""",
        where=f"o.tenant_id = %(tenant)s AND {visible}{extra}",
        order="o.close_date, o.id",
        count_from=f"{table} {_country_join('o', filters)}",
        params=params,
    )


def activities(user, filters: dict) -> PageSql:
    visible, params = _visibility("a", user)
    extra, more = _filters("a", filters)
    params.update(more, tenant=user.tenant_id, limit=PAGE_SIZE)
    if "search" in filters:
        extra += _search(filters, params, {"a.id": K.ACTIVITY})
    table = f'"{T["act"]}" a'
    return PageSql(
        select="""a.id, a.kind, a.subject, a.notes, a.subsidiary_id AS subsidiary,
               a.contact_id AS contact, a.opportunity_id AS opportunity, a.owner_id AS owner,
               to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                   AS occurred_at,
               a.due_date::text AS due_date, a.done, a.global_account_id AS global_account,
               c.code AS country""",
        from_=f'{table} JOIN "{T["country"]}" c ON c.id = a.country_id',
        where=f"a.tenant_id = %(tenant)s AND {visible}{extra}",
        order="a.occurred_at DESC, a.id DESC",
        count_from=f"{table} {_country_join('a', filters)}",
        params=params,
    )


def campaigns(user, filters: dict) -> PageSql:
    visible, params = _visibility("m", user)
    extra, more = _filters("m", filters)
    params.update(more, tenant=user.tenant_id, limit=PAGE_SIZE)
    if "search" in filters:
        extra += _search(filters, params, {"m.id": K.CAMPAIGN})
    table = f'"{T["camp"]}" m'
    return PageSql(
        select="""m.id, m.name, m.subsidiary_id AS subsidiary, m.starts_on::text AS starts_on,
               m.ends_on::text AS ends_on, m.global_account_id AS global_account,
               c.code AS country, m.owner_id AS owner""",
        from_=f'{table} JOIN "{T["country"]}" c ON c.id = m.country_id',
        where=f"m.tenant_id = %(tenant)s AND {visible}{extra}",
        order="m.starts_on DESC, m.id",
        count_from=f"{table} {_country_join('m', filters)}",
        params=params,
    )


def _account_perm(user, codename: str, account_sql: str) -> str:
    return (
        f'EXISTS (SELECT 1 FROM "{T["perm"]}" p JOIN auth_permission ap '
        f"ON ap.id = p.permission_id AND ap.codename = '{codename}' "
        f"WHERE p.user_id = {int(user.pk)} AND p.content_object_id = {account_sql})"
    )


def subsidiaries(user, filters: dict) -> PageSql:
    """Everyone in the tenant sees every subsidiary; ``can_change`` as
    teams.selectors.subsidiaries_changeable_by (owner, GAM, local account manager there)."""
    extra, params = _filters("s", filters)
    params.update(tenant=user.tenant_id, limit=PAGE_SIZE)
    if "search" in filters:
        extra += _search(filters, params, {"s.id": K.SUBSIDIARY})
    if user.is_tenant_admin:
        can_change = "TRUE"
    else:
        gam = _account_perm(user, "change_globalaccount", "s.global_account_id")
        can_change = (
            f"(s.owner_id = {int(user.pk)} OR {gam} "
            f'OR EXISTS (SELECT 1 FROM "{T["team"]}" tm WHERE tm.user_id = {int(user.pk)} '
            "AND tm.role = 'local_account_manager' AND tm.global_account_id = s.global_account_id "
            "AND tm.country_id = s.country_id))"
        )
    return PageSql(
        select=f"""s.id, s.global_account_id AS global_account, s.name, c.code AS country,
               s.registration_number, s.website, s.address, s.owner_id AS owner,
               g.manager_id AS manager, {can_change} AS can_change,
               to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                   AS created_at,
               s.version""",
        from_=f""""{T["sub"]}" s
          JOIN "{T["country"]}" c ON c.id = s.country_id
          LEFT JOIN "{T["ga"]}" g ON g.id = s.global_account_id""",
        where=f"s.tenant_id = %(tenant)s{extra}",
        order="s.name, s.id",
        count_from=f'"{T["sub"]}" s {_country_join("s", filters)}',
        params=params,
    )


def global_accounts(user, filters: dict) -> PageSql:
    """Everyone in the tenant sees that an account exists (name, tier, GAM); the rest of
    the columns of accounts.serializers.GlobalAccountSerializer, with the subsidiary count."""
    params = {"tenant": user.tenant_id, "limit": PAGE_SIZE}
    extra = ""
    if "search" in filters:
        extra += _search(filters, params, {"g.id": K.GLOBAL_ACCOUNT})
    admin = user.is_tenant_admin
    details = "TRUE" if admin else _account_perm(user, "view_globalaccount", "g.id")
    change = "TRUE" if admin else _account_perm(user, "change_globalaccount", "g.id")
    return PageSql(
        select=f"""g.id, g.name, g.tier_id AS tier, c.code AS headquarters_country,
               g.manager_id AS manager, coalesce(nullif(u.name, ''), u.email) AS manager_name,
               g.score::text AS score, g.tier_override, g.tier_override_by_id AS tier_override_by,
               g.tier_override_reason, g.description, g.industry, g.website,
               (SELECT count(*) FROM "{T["sub"]}" x WHERE x.global_account_id = g.id)
                   AS subsidiary_count,
               {details} AS details_visible, {change} AS can_change,
               to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                   AS created_at,
               g.version""",
        from_=f""""{T["ga"]}" g
          LEFT JOIN "{T["country"]}" c ON c.id = g.headquarters_country_id
          LEFT JOIN gam_user u ON u.id = g.manager_id""",
        where=f"g.tenant_id = %(tenant)s{extra}",
        order="g.name, g.id",
        count_from=f'"{T["ga"]}" g',
        params=params,
    )


QUERIES = {
    "opportunities": opportunities,
    "activities": activities,
    "campaigns": campaigns,
    "subsidiaries": subsidiaries,
    "global-accounts": global_accounts,
}


def fetch_page(kind: str, user, filters: dict) -> tuple[str, int]:
    """Run the query and serialize the page (count and rows); returns (json text, number of
    rows)."""
    page = QUERIES[kind](user, filters)
    # In the user's tenant like a request (the row-level-security setting follows it).
    with tenant_context(user.tenant_id), connection.cursor() as cursor:
        cursor.execute(page.sql(), page.params)
        names = [d[0] for d in cursor.description][1:]
        fetched = cursor.fetchall()
    count = fetched[0][0]
    # An empty page is one row of the count with NULL page columns (the LEFT JOIN).
    rows = [dict(zip(names, row[1:], strict=True)) for row in fetched if row[1] is not None]
    return json.dumps({"count": count, "results": rows}, default=str), len(rows)
