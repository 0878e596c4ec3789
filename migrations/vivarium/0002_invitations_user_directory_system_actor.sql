CREATE TABLE "vivarium"."user_directory" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"email_verified" boolean DEFAULT false NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vivarium"."vivarium_invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vivarium_id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" "vivarium"."vivarium_role" NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by_user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by_user_id" uuid,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "vivarium"."vivarium_role_audit" ALTER COLUMN "actor_user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "vivarium"."vivarium_invitations" ADD CONSTRAINT "vivarium_invitations_vivarium_id_vivariums_id_fk" FOREIGN KEY ("vivarium_id") REFERENCES "vivarium"."vivariums"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "user_directory_email_key" ON "vivarium"."user_directory" USING btree ("email");--> statement-breakpoint
CREATE UNIQUE INDEX "vivarium_invitations_token_key" ON "vivarium"."vivarium_invitations" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "vivarium_invitations_open_key" ON "vivarium"."vivarium_invitations" USING btree ("vivarium_id","email") WHERE "vivarium"."vivarium_invitations"."accepted_at" is null and "vivarium"."vivarium_invitations"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "vivarium_invitations_email_idx" ON "vivarium"."vivarium_invitations" USING btree ("email");--> statement-breakpoint
CREATE INDEX "vivariums_deleted_idx" ON "vivarium"."vivariums" USING btree ("deleted_at") WHERE "vivarium"."vivariums"."deleted_at" is not null;