"""bench/results/latest.md: a table per section."""

from __future__ import annotations

RATIO_TARGET = 2.5


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "**MISS**")


def markdown(results: dict) -> str:
    gen = results["generation"]
    lines = ["# GAM benchmark results", ""]
    lines += [
        f"Data generated {gen['generated_at']} at scale {gen['scale']} with {gen['tenants']} "
        f"tenants; bulk load {gen['seconds']} s (COPY, indexes rebuilt after), VACUUM ANALYZE "
        f"{gen.get('vacuum_analyze_seconds', '—')} s"
        + (" (reused by this run)." if gen.get("reused") else ".")
        + (
            " **With bench/proposed_indexes.sql applied.**"
            if gen.get("proposed_indexes")
            else " Schema as migrated (no proposed indexes)."
        ),
        "",
        "## Generation",
        "",
        "| table | rows |",
        "| --- | ---: |",
    ]
    for table, count in sorted(gen["rows"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {table} | {count:,} |")
    large = gen["sizes"]["large"]
    lines += [
        "",
        f"The large tenant: {large['countries']} countries, {large['global_accounts']:,} global "
        f"accounts, {large['subsidiaries']:,} subsidiaries, {large['opportunities']:,} "
        f"opportunities, {large['activities']:,} activities, {large['users']:,} users; "
        f"{gen['tenants'] - 1} smaller tenants beside it.",
        "",
        "Users: " + ", ".join(f"{role} = {p['email']}" for role, p in results["personas"].items()),
        "",
        f"The app (in-process pass and gunicorn) connects as {results.get('connects_as', '—')}.",
        "",
    ]

    lines += [
        "## In-process: SQL queries, ORM vs one hand-written SQL query",
        "",
        "Django test client through the whole stack (middleware, token/session auth, sharing "
        "model, DRF serialization), median of the samples; *SQL* is the same page (same "
        "columns, order, page size, sharing filter, and the same `count` of the filtered "
        "list, as a scalar subquery) by one hand-written query + `json.dumps`. "
        f"Target ratio ≤ {RATIO_TARGET}.",
        "",
        "| case | user | queries | SQL time ms | slowest query ms | COUNT(*) ms | count "
        "| ORM median ms | hand-written ms | ratio | |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results["inprocess"]:
        if "skipped" in r or "error" in r:
            lines.append(
                f"| `{r['case']}` | {r['role']} |"
                + " |" * 9
                + f" {r.get('skipped') or r['error']} |"
            )
            continue
        ratio = r.get("ratio")
        lines.append(
            f"| `{r['case']}` | {r['role']} | {r['queries']} | {_fmt(r['sql_ms'])} | "
            f"{_fmt(r['slowest_query_ms'])} | {_fmt(r.get('count_query_ms') or None)} | "
            f"{_fmt(r.get('count'))} | "
            f"{_fmt(r['orm_median_ms'])} | {_fmt(r.get('sql_median_ms'), 2)} | "
            f"{_fmt(ratio, 2)} | {_verdict(None if ratio is None else ratio <= RATIO_TARGET)}"
            f"{' ' + r['note'] if r.get('note') else ''} |"
        )

    http = results["http"]
    lines += ["", "## HTTP: gunicorn under load", ""]
    if "skipped" in http:
        lines.append(f"Skipped ({http['skipped']}).")
    else:
        lines += [
            f"{http['server']}; load by {http['client']}, {http['connections']} concurrent "
            f"connections, {http['duration_s']} s per case, on the same 2-core machine as the "
            "database. Targets: list endpoints p95 ≤ 100 ms, dashboards p95 ≤ 250 ms.",
            "",
            "| case | user | requests | median ms | p95 ms | p99 ms | req/s | errors | target | |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in http["rows"]:
            if "skipped" in r or "error" in r:
                lines.append(
                    f"| `{r['case']}` | {r['role']} | | | | | | | | "
                    f"{r.get('skipped') or r['error']} |"
                )
                continue
            target = r.get("target_ms")
            ok = None if target is None or r["p95_ms"] is None else r["p95_ms"] <= target
            lines.append(
                f"| `{r['case']}` | {r['role']} | {r['requests']} | {_fmt(r['median_ms'])} | "
                f"{_fmt(r['p95_ms'])} | {_fmt(r['p99_ms'])} | {_fmt(r['rps'])} | {r['errors']} | "
                f"{_fmt(target, 0)} | {_verdict(ok)} {r.get('note', '')} |"
            )

    lines += ["", "## Duplicate-work scan", ""]
    scan = results["scan"]
    if "skipped" in scan:
        lines.append(scan["skipped"])
    else:
        lines.append(f"`bench.scan.main` for sizes {scan['sizes']}: {scan['seconds']} s.")
        result = scan.get("result")
        if isinstance(result, dict) and isinstance(result.get("table"), str):
            lines += ["", result["table"]]
        elif isinstance(result, list | dict):
            lines += ["", "```", _pretty(result), "```"]

    if results.get("explain"):
        lines += ["", "## EXPLAIN ANALYZE of the slowest queries", ""]
        for e in results["explain"]:
            lines += [
                f"### {e['case']} ({e['role']}): {e['query_ms']} ms",
                "",
                "```sql",
                e["sql"][:1500],
                "```",
                "",
                "```",
                *e["plan"][:30],
                "```",
                "",
            ]
    load = results.get("load_before"), results.get("load_after")
    lines += [
        "",
        f"Measured in {results['seconds']} s (after generation). Load average of the machine "
        f"(other work shares its 2 cores): {_load(load[0])} before, {_load(load[1])} after.",
        "",
    ]
    return "\n".join(lines)


def _load(value) -> str:
    return "—" if not value else " / ".join(f"{x:.1f}" for x in value)


def _pretty(value) -> str:
    import json

    return json.dumps(value, indent=2, default=str)[:4000]
