CREATE SEQUENCE "public"."incident_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
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
CREATE TABLE "emergency_duty" (
	"property_id" text NOT NULL,
	"role" text NOT NULL,
	"position" integer NOT NULL,
	"staff_id" uuid NOT NULL,
	CONSTRAINT "emergency_duty_property_id_role_position_pk" PRIMARY KEY("property_id","role","position")
);
--> statement-breakpoint
CREATE TABLE "emergency_plan_versions" (
	"plan_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"content" jsonb NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "emergency_plan_versions_plan_id_version_pk" PRIMARY KEY("plan_id","version")
);
--> statement-breakpoint
CREATE TABLE "emergency_plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" text NOT NULL,
	"incident_type" text NOT NULL,
	"current_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "improvement_actions" (
	"id" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"property_id" text NOT NULL,
	"source_id" text NOT NULL,
	"title" text NOT NULL,
	"owner_id" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"completed_at" timestamp with time zone,
	"verified_at" timestamp with time zone,
	"dropped_reason" text,
	"next_deadline" timestamp with time zone,
	"created_by_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"needs_attention" boolean DEFAULT false NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "improvement_actions_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
CREATE TABLE "incident_declarations" (
	"incident_id" text PRIMARY KEY NOT NULL,
	"property_id" text NOT NULL,
	"incident_type" text NOT NULL,
	"kind" text NOT NULL,
	"declared_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"property_id" text NOT NULL,
	"kind" text NOT NULL,
	"incident_type" text NOT NULL,
	"plan_id" text NOT NULL,
	"plan_version" integer NOT NULL,
	"severity" text NOT NULL,
	"building_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"unit_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text NOT NULL,
	"activated_at" timestamp with time zone,
	"acknowledged_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"cancel_reason" text,
	"escalations" integer DEFAULT 0 NOT NULL,
	"open_actions" integer DEFAULT 0 NOT NULL,
	"drill_score" integer,
	"next_deadline" timestamp with time zone,
	"created_by_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"needs_attention" boolean DEFAULT false NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "incidents_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
ALTER TABLE "drill_schedules" ADD CONSTRAINT "drill_schedules_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emergency_duty" ADD CONSTRAINT "emergency_duty_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emergency_duty" ADD CONSTRAINT "emergency_duty_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emergency_plan_versions" ADD CONSTRAINT "emergency_plan_versions_plan_id_emergency_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."emergency_plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emergency_plans" ADD CONSTRAINT "emergency_plans_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drill_schedules_property_idx" ON "drill_schedules" USING btree ("property_id","incident_type");--> statement-breakpoint
CREATE UNIQUE INDEX "emergency_duty_member_uq" ON "emergency_duty" USING btree ("property_id","role","staff_id");--> statement-breakpoint
CREATE UNIQUE INDEX "emergency_plans_property_type_uq" ON "emergency_plans" USING btree ("property_id","incident_type");--> statement-breakpoint
CREATE INDEX "improvement_actions_property_created_idx" ON "improvement_actions" USING btree ("property_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "improvement_actions_source_idx" ON "improvement_actions" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "improvement_actions_needs_attention_idx" ON "improvement_actions" USING btree ("property_id") WHERE needs_attention;--> statement-breakpoint
CREATE INDEX "incident_declarations_recent_idx" ON "incident_declarations" USING btree ("property_id","incident_type","declared_at");--> statement-breakpoint
CREATE INDEX "incidents_property_created_idx" ON "incidents" USING btree ("property_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "incidents_property_type_idx" ON "incidents" USING btree ("property_id","incident_type","kind","created_at");--> statement-breakpoint
CREATE INDEX "incidents_needs_attention_idx" ON "incidents" USING btree ("property_id") WHERE needs_attention;