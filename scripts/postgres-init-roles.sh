#!/bin/sh
# The app's database roles (run once by the postgres image on an empty data directory):
#   gam_app  NOLOGIN group: data rights only (granted after every migrate), bound by RLS
#   gam_web  the login the app connects as (DATABASE_URL), a member of gam_app
# The tables are owned by $POSTGRES_USER, which runs the migrations (MIGRATE_DATABASE_URL).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE gam_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE gam_web LOGIN PASSWORD '${GAM_WEB_DB_PASSWORD}' NOSUPERUSER NOBYPASSRLS IN ROLE gam_app;
SQL
