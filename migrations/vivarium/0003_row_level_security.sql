-- Row-level security for the tenant tables. Requests run as `repti_vivarium` (set per transaction by kit's
-- withRowSecurity), a role without BYPASSRLS that sees and writes only rows of the vivariums the acting user
-- (`repti.user_id`) belongs to, whatever filter a query forgot. The tables stay owned by the migrating user and RLS
-- is not FORCEd: the owner is the deliberate path of background work (identity's account events, the retention
-- purge, migrations, the demo seed), and the SECURITY DEFINER functions below read membership as the owner, which
-- is what keeps a policy on vivarium_members from recursing into itself.

-- Roles are cluster-wide (several databases may share one), so create it only once, tolerating a concurrent creator.
DO $$
BEGIN
  CREATE ROLE repti_vivarium NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'repti_vivarium') THEN
    RAISE EXCEPTION 'role repti_vivarium must not be a superuser nor bypass row-level security';
  END IF;
  -- The connecting user switches to the role at the start of each request's transaction; superusers may already.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    GRANT repti_vivarium TO CURRENT_USER;
  END IF;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA "vivarium" TO repti_vivarium;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "vivarium"."vivariums" TO repti_vivarium;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "vivarium"."vivarium_members" TO repti_vivarium;
--> statement-breakpoint
GRANT SELECT, INSERT ON "vivarium"."vivarium_role_audit" TO repti_vivarium;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "vivarium"."vivarium_invitations" TO repti_vivarium;
--> statement-breakpoint
GRANT SELECT ON "vivarium"."user_directory", "vivarium"."role_permissions" TO repti_vivarium;
--> statement-breakpoint
GRANT INSERT ON "vivarium"."outbox" TO repti_vivarium;
--> statement-breakpoint
CREATE FUNCTION "vivarium"."acting_user_id"() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('repti.user_id', true), '')::uuid $$;
--> statement-breakpoint
-- The vivariums the acting user belongs to that are not deleted: the tenant key of every policy.
CREATE FUNCTION "vivarium"."member_vivarium_ids"() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT m.vivarium_id FROM "vivarium"."vivarium_members" m
    JOIN "vivarium"."vivariums" v ON v.id = m.vivarium_id AND v.deleted_at IS NULL
    WHERE m.user_id = "vivarium"."acting_user_id"()
  $$;
--> statement-breakpoint
-- The creator of a vivarium joins it as its first member before membership can vouch for them.
CREATE FUNCTION "vivarium"."is_owner"(target uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT EXISTS (SELECT 1 FROM "vivarium"."vivariums"
      WHERE id = target AND owner_user_id = "vivarium"."acting_user_id"() AND deleted_at IS NULL)
  $$;
--> statement-breakpoint
-- The acting user's address, when identity has told us it is theirs.
CREATE FUNCTION "vivarium"."acting_user_email"() RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT email FROM "vivarium"."user_directory" WHERE user_id = "vivarium"."acting_user_id"() AND is_active
  $$;
--> statement-breakpoint
-- An invitee joins through an open invitation addressed to them.
CREATE FUNCTION "vivarium"."is_invited"(target uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT EXISTS (SELECT 1 FROM "vivarium"."vivarium_invitations" i
      JOIN "vivarium"."vivariums" v ON v.id = i.vivarium_id AND v.deleted_at IS NULL
      WHERE i.vivarium_id = target AND i.email = "vivarium"."acting_user_email"()
        AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now())
  $$;
--> statement-breakpoint
-- The invitations addressed to the acting user, in vivariums not deleted: what an invitee may see and accept.
CREATE FUNCTION "vivarium"."addressed_invitation_ids"() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT i.id FROM "vivarium"."vivarium_invitations" i
    JOIN "vivarium"."vivariums" v ON v.id = i.vivarium_id AND v.deleted_at IS NULL
    WHERE i.email = "vivarium"."acting_user_email"()
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION "vivarium"."member_vivarium_ids"(), "vivarium"."is_owner"(uuid), "vivarium"."acting_user_email"(), "vivarium"."is_invited"(uuid), "vivarium"."addressed_invitation_ids"() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "vivarium"."member_vivarium_ids"(), "vivarium"."is_owner"(uuid), "vivarium"."acting_user_email"(), "vivarium"."is_invited"(uuid), "vivarium"."addressed_invitation_ids"() TO repti_vivarium;
--> statement-breakpoint
ALTER TABLE "vivarium"."vivariums" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "vivarium"."vivarium_members" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "vivarium"."vivarium_role_audit" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "vivarium"."vivarium_invitations" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
-- No DELETE policy: a vivarium is soft-deleted by its members and purged by the owner role only.
CREATE POLICY vivariums_member_select ON "vivarium"."vivariums" FOR SELECT TO repti_vivarium
  USING (id IN (SELECT "vivarium"."member_vivarium_ids"()));
--> statement-breakpoint
CREATE POLICY vivariums_member_update ON "vivarium"."vivariums" FOR UPDATE TO repti_vivarium
  USING (id IN (SELECT "vivarium"."member_vivarium_ids"()));
--> statement-breakpoint
CREATE POLICY vivariums_creator_insert ON "vivarium"."vivariums" FOR INSERT TO repti_vivarium
  WITH CHECK (owner_user_id = "vivarium"."acting_user_id"());
--> statement-breakpoint
CREATE POLICY members_member_select ON "vivarium"."vivarium_members" FOR SELECT TO repti_vivarium
  USING (vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"()));
--> statement-breakpoint
CREATE POLICY members_member_update ON "vivarium"."vivarium_members" FOR UPDATE TO repti_vivarium
  USING (vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"()));
--> statement-breakpoint
CREATE POLICY members_member_delete ON "vivarium"."vivarium_members" FOR DELETE TO repti_vivarium
  USING (vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"()));
--> statement-breakpoint
CREATE POLICY members_insert ON "vivarium"."vivarium_members" FOR INSERT TO repti_vivarium
  WITH CHECK (
    vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"())
    OR (user_id = "vivarium"."acting_user_id"() AND ("vivarium"."is_owner"(vivarium_id) OR "vivarium"."is_invited"(vivarium_id)))
  );
--> statement-breakpoint
-- Append-only: no UPDATE or DELETE policy (nor grant).
CREATE POLICY role_audit_member_select ON "vivarium"."vivarium_role_audit" FOR SELECT TO repti_vivarium
  USING (vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"()));
--> statement-breakpoint
CREATE POLICY role_audit_member_insert ON "vivarium"."vivarium_role_audit" FOR INSERT TO repti_vivarium
  WITH CHECK (vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"()));
--> statement-breakpoint
-- Members see their vivarium's invitations; an invitee sees (and accepts) the ones addressed to them.
CREATE POLICY invitations_select ON "vivarium"."vivarium_invitations" FOR SELECT TO repti_vivarium
  USING (vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"()) OR id IN (SELECT "vivarium"."addressed_invitation_ids"()));
--> statement-breakpoint
CREATE POLICY invitations_update ON "vivarium"."vivarium_invitations" FOR UPDATE TO repti_vivarium
  USING (vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"()) OR id IN (SELECT "vivarium"."addressed_invitation_ids"()));
--> statement-breakpoint
CREATE POLICY invitations_member_insert ON "vivarium"."vivarium_invitations" FOR INSERT TO repti_vivarium
  WITH CHECK (vivarium_id IN (SELECT "vivarium"."member_vivarium_ids"()));
--> statement-breakpoint
-- The permission matrix is cached by every instance; a change to it, by migration or by hand, tells them to reload.
CREATE FUNCTION "vivarium"."notify_role_permissions_changed"() RETURNS trigger
  LANGUAGE plpgsql
  AS $$ BEGIN PERFORM pg_notify('repti_vivarium_role_permissions', ''); RETURN NULL; END $$;
--> statement-breakpoint
CREATE TRIGGER role_permissions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "vivarium"."role_permissions"
  FOR EACH STATEMENT EXECUTE FUNCTION "vivarium"."notify_role_permissions_changed"();
