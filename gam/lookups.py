"""``column IN (subquery)`` that PostgreSQL can read from an index inside an OR.

A filter like ``owner = u OR subsidiary_id IN (SELECT ...) OR global_account_id IN (SELECT
...)`` makes PostgreSQL test every row of the tenant against hashed subplans (a sequential
scan). Written ``subsidiary_id = ANY(ARRAY(SELECT ...))`` the subquery runs once as an
init plan and each branch becomes an index condition, ORed as bitmaps. Same rows either
way; other databases get ``IN``.
"""

from __future__ import annotations

from django.db.models import F, Lookup, QuerySet, Subquery


class InSubquery(Lookup):
    lookup_name = "in_subquery"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def in_subquery(column: str, queryset: QuerySet) -> InSubquery:
    """A filter expression: ``column`` (a field of the filtered model) is one of the values
    of ``queryset`` (a one-column ``values()`` queryset)."""
    return InSubquery(F(column), Subquery(queryset.order_by()))
