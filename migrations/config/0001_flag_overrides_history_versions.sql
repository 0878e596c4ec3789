CREATE TABLE "config"."feature_flag_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flag_id" uuid NOT NULL,
	"flag_name" text NOT NULL,
	"action" text NOT NULL,
	"version" integer NOT NULL,
	"flag" jsonb NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"changed_by_user_id" uuid,
	"changed_by_api_key_id" uuid,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "config"."feature_flag_overrides" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flag_id" uuid NOT NULL,
	"target" text NOT NULL,
	"target_id" uuid NOT NULL,
	"enabled" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feature_flag_overrides_target_kind" CHECK ("config"."feature_flag_overrides"."target" in ('user', 'vivarium'))
);
--> statement-breakpoint
DROP INDEX "config"."feature_flags_name_key";--> statement-breakpoint
ALTER TABLE "config"."config_entries" ADD COLUMN "changed_by_api_key_id" uuid;--> statement-breakpoint
ALTER TABLE "config"."feature_flags" ADD COLUMN "rollout_group_id" text;--> statement-breakpoint
ALTER TABLE "config"."feature_flags" ADD COLUMN "stickiness" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "config"."feature_flags" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "config"."feature_flag_changes" ADD CONSTRAINT "feature_flag_changes_flag_id_feature_flags_id_fk" FOREIGN KEY ("flag_id") REFERENCES "config"."feature_flags"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "config"."feature_flag_overrides" ADD CONSTRAINT "feature_flag_overrides_flag_id_feature_flags_id_fk" FOREIGN KEY ("flag_id") REFERENCES "config"."feature_flags"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feature_flag_changes_name_idx" ON "config"."feature_flag_changes" USING btree ("flag_name","changed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "feature_flag_overrides_target_key" ON "config"."feature_flag_overrides" USING btree ("flag_id","target","target_id");--> statement-breakpoint
CREATE UNIQUE INDEX "feature_flags_live_name_key" ON "config"."feature_flags" USING btree ("name") WHERE "config"."feature_flags"."archived_at" is null;