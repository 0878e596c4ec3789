CREATE SCHEMA "vivarium";
--> statement-breakpoint
CREATE TYPE "vivarium"."vivarium_role" AS ENUM('KEEPER', 'HANDLER', 'CURATOR', 'HERPETOLOGIST');--> statement-breakpoint
CREATE TABLE "vivarium"."outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"aggregate_id" text,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "vivarium"."role_permissions" (
	"role" "vivarium"."vivarium_role" NOT NULL,
	"resource" text NOT NULL,
	"action" text NOT NULL,
	CONSTRAINT "role_permissions_role_resource_action_pk" PRIMARY KEY("role","resource","action")
);
--> statement-breakpoint
CREATE TABLE "vivarium"."vivarium_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vivarium_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "vivarium"."vivarium_role" NOT NULL,
	"invited_by_user_id" uuid,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vivarium"."vivarium_role_audit" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vivarium_id" uuid NOT NULL,
	"actor_user_id" uuid NOT NULL,
	"subject_user_id" uuid NOT NULL,
	"old_role" "vivarium"."vivarium_role",
	"new_role" "vivarium"."vivarium_role",
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vivarium"."vivariums" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"description" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"subscription_tier" text DEFAULT 'free' NOT NULL,
	"owner_user_id" uuid NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "vivarium"."vivarium_members" ADD CONSTRAINT "vivarium_members_vivarium_id_vivariums_id_fk" FOREIGN KEY ("vivarium_id") REFERENCES "vivarium"."vivariums"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vivarium"."vivarium_role_audit" ADD CONSTRAINT "vivarium_role_audit_vivarium_id_vivariums_id_fk" FOREIGN KEY ("vivarium_id") REFERENCES "vivarium"."vivariums"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "vivarium"."outbox" USING btree ("occurred_at") WHERE "vivarium"."outbox"."published_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "vivarium_members_vivarium_user_key" ON "vivarium"."vivarium_members" USING btree ("vivarium_id","user_id");--> statement-breakpoint
CREATE INDEX "vivarium_members_user_idx" ON "vivarium"."vivarium_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "vivarium_role_audit_vivarium_idx" ON "vivarium"."vivarium_role_audit" USING btree ("vivarium_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "vivariums_slug_key" ON "vivarium"."vivariums" USING btree ("slug");