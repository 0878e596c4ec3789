CREATE SCHEMA "config";
--> statement-breakpoint
CREATE TABLE "config"."config_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"environment" text NOT NULL,
	"version" integer NOT NULL,
	"value" jsonb NOT NULL,
	"description" text,
	"value_schema" jsonb,
	"deleted" boolean DEFAULT false NOT NULL,
	"changed_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "config"."feature_flags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"enabled" boolean DEFAULT false NOT NULL,
	"rollout_percentage" integer DEFAULT 100 NOT NULL,
	"conditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feature_flags_rollout_range" CHECK ("config"."feature_flags"."rollout_percentage" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "config"."outbox" (
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
CREATE UNIQUE INDEX "config_entries_key_env_version_key" ON "config"."config_entries" USING btree ("key","environment","version");--> statement-breakpoint
CREATE INDEX "config_entries_env_idx" ON "config"."config_entries" USING btree ("environment");--> statement-breakpoint
CREATE UNIQUE INDEX "feature_flags_name_key" ON "config"."feature_flags" USING btree ("name");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "config"."outbox" USING btree ("occurred_at") WHERE "config"."outbox"."published_at" is null;