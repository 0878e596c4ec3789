#!/bin/sh
# Runs once, when the postgres container of docker-compose.yml initialises an empty data folder: the login the
# vivarium subgraph uses for request work (VIVARIUM_REQUEST_DATABASE_URL). It is no superuser, has no BYPASSRLS
# and owns nothing; it may only become repti_vivarium, the role the row-level security policies are written for
# (created here too, so the grant does not wait for vivarium's migrations, which tolerate it existing).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$VIVARIUM_REQUEST_DB_PASSWORD" <<'SQL'
DO $$
BEGIN
  CREATE ROLE repti_vivarium NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
CREATE ROLE repti_vivarium_requests LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'password';
GRANT repti_vivarium TO repti_vivarium_requests;
SQL
