CREATE SCHEMA "telemetry";
--> statement-breakpoint
CREATE TABLE "telemetry"."events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"source" text NOT NULL,
	"aggregate_id" text,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telemetry"."metric_points" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"value" double precision NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telemetry"."outbox" (
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
CREATE INDEX "events_occurred_idx" ON "telemetry"."events" USING btree ("occurred_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "events_type_occurred_idx" ON "telemetry"."events" USING btree ("type","occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "metric_points_name_time_idx" ON "telemetry"."metric_points" USING btree ("name","recorded_at");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "telemetry"."outbox" USING btree ("occurred_at") WHERE "telemetry"."outbox"."published_at" is null;