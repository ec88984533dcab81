"""Django's PostgreSQL backend, plus: every query runs with ``gam.tenant_id`` set to the
tenant in context (and ``gam.identity`` to "on" inside ``identity_lookup``), for the
row-level-security policies of ``gam.rls``.

The settings use it (``ENGINE = "gam.db.postgresql"``) whenever the database is PostgreSQL.
The tenant is set lazily, right before the first query that runs under another tenant than
the connection has, so activating a tenant costs nothing until it is used, and a request
costs one extra query; none at all for a superuser connection (the test suite, an owner
that is a superuser), which RLS never binds. This module must not import models (backends
load while models do).
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from gam.context import current_tenant_id_or_none, identity_lookup_active

SETTING = "gam.tenant_id"
IDENTITY_SETTING = "gam.identity"

_UNKNOWN = object()  # a rollback may have undone what we set
_NOT_SET = object()  # no transaction-local value in this transaction


class TenantSettingState:
    """What the connection's ``gam.tenant_id`` is, without asking the server.

    Inside a transaction the value is set transaction-locally (``set_config(..., true)``,
    i.e. ``SET LOCAL``): it ends with the transaction, so a committed or rolled-back request
    leaves nothing behind on a persistent connection. In autocommit mode (streamed responses,
    management commands) it is set for the session. A rolled-back savepoint may undo a local
    value: the state then becomes unknown and the next query sets it again.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.session = (None, False)  # a fresh session has no setting: no tenant
        self.local = _NOT_SET
        self.paused = False

    def current(self, in_transaction: bool):
        if in_transaction and self.local is not _NOT_SET:
            return self.local
        return self.session


def sync_tenant_setting(connection) -> None:
    """Set ``gam.tenant_id`` (and ``gam.identity``) on ``connection`` to the tenant (and the
    identity lookup) in context if they differ."""
    state: TenantSettingState = connection.rls_state
    if state.paused or connection.needs_rollback:
        return
    in_transaction = not connection.get_autocommit()
    if _is_superuser(connection):
        return  # RLS never binds a superuser: the setting would change nothing
    desired = (current_tenant_id_or_none(), identity_lookup_active())
    current = state.current(in_transaction)
    if current is not _UNKNOWN and current == desired:
        return
    state.paused = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config(%s, %s, %s), set_config(%s, %s, %s)",
                [
                    SETTING,
                    "" if desired[0] is None else str(desired[0]),
                    in_transaction,
                    IDENTITY_SETTING,
                    "on" if desired[1] else "",
                    in_transaction,
                ],
            )
    except Exception:
        if in_transaction:
            state.local = _UNKNOWN
        else:
            state.session = _UNKNOWN
        raise
    finally:
        state.paused = False
    if in_transaction:
        state.local = desired
    else:
        state.session = desired


def _is_superuser(connection) -> bool:
    """From the server's parameter report (updated by SET ROLE): no query needed."""
    raw = connection.connection
    info = getattr(raw, "info", None)  # psycopg 3
    if info is not None and hasattr(info, "parameter_status"):
        value = info.parameter_status("is_superuser")
        value = value.decode() if isinstance(value, bytes) else value
    else:  # psycopg2
        value = raw.get_parameter_status("is_superuser")
    return value == "on"


def rls_execute_wrapper(execute, sql, params, many, context):
    sync_tenant_setting(context["connection"])
    return execute(sql, params, many, context)


class _Paused:
    def __init__(self, state: TenantSettingState):
        self.state = state

    def __enter__(self):
        self.previous, self.state.paused = self.state.paused, True

    def __exit__(self, *exc):
        self.state.paused = self.previous


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rls_state = TenantSettingState()
        # Permanent and first: wrappers added by connection.execute_wrapper() nest inside.
        self.execute_wrappers.append(rls_execute_wrapper)

    def connect(self):
        self.rls_state.reset()  # before connecting: a new session has no setting yet
        super().connect()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self.rls_state.local = _NOT_SET

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self.rls_state.local = _NOT_SET

    def _savepoint(self, sid):
        with _Paused(self.rls_state):
            super()._savepoint(sid)

    def _savepoint_commit(self, sid):
        with _Paused(self.rls_state):
            super()._savepoint_commit(sid)

    def _savepoint_rollback(self, sid):
        # Never set anything in an aborted transaction; the rollback may undo a local value.
        with _Paused(self.rls_state):
            super()._savepoint_rollback(sid)
        if self.rls_state.local is not _NOT_SET:
            self.rls_state.local = _UNKNOWN
