CREATE TABLE "drill_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" text NOT NULL,
	"incident_type" text NOT NULL,
	"every" integer NOT NULL,
	"unit" text NOT NULL,
	"anchor" timestamp with time zone NOT NULL,
	"hold_within" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "drill_schedules" ADD CONSTRAINT "drill_schedules_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drill_schedules_property_idx" ON "drill_schedules" USING btree ("property_id","incident_type");