"""The import engine: files, jobs, checks, previews, applies, pages and API; the record
types come from the apps (gam.imports.registry)."""
