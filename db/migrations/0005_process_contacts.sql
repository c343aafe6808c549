CREATE TABLE "process_contacts" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"property_id" text NOT NULL,
	"name" text NOT NULL,
	"phone" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Contacts of processes already running move out of the projections before their columns go.
INSERT INTO "process_contacts" ("workflow_id", "property_id", "name", "phone", "created_at")
  SELECT "workflow_id", "property_id", "reporter_name", "reporter_phone", "created_at" FROM "work_orders"
  UNION ALL
  SELECT "workflow_id", "property_id", "complainant_name", "complainant_phone", "created_at" FROM "complaints"
  ON CONFLICT ("workflow_id") DO NOTHING;--> statement-breakpoint
ALTER TABLE "work_orders" DROP COLUMN "reporter_name";--> statement-breakpoint
ALTER TABLE "work_orders" DROP COLUMN "reporter_phone";--> statement-breakpoint
ALTER TABLE "work_orders" DROP COLUMN "deadlines";--> statement-breakpoint
ALTER TABLE "complaints" DROP COLUMN "complainant_name";--> statement-breakpoint
ALTER TABLE "complaints" DROP COLUMN "complainant_phone";--> statement-breakpoint
ALTER TABLE "complaints" DROP COLUMN "deadlines";