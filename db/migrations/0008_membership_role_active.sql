ALTER TABLE "staff_memberships" ADD COLUMN "role" text;--> statement-breakpoint
ALTER TABLE "staff_memberships" ADD COLUMN "active" boolean DEFAULT true NOT NULL;--> statement-breakpoint
-- Hand-written backfill (not generated): each membership takes the role and active flag its person had when both lived on staff.
UPDATE "staff_memberships" AS m SET "role" = s."role", "active" = s."active" FROM "staff" AS s WHERE s."id" = m."staff_id";
