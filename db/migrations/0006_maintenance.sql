CREATE TABLE "checklist_templates" (
	"property_id" text NOT NULL,
	"code" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"equipment_kind" text NOT NULL,
	"items" jsonb NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "checklist_templates_property_id_code_version_pk" PRIMARY KEY("property_id","code","version")
);
--> statement-breakpoint
CREATE TABLE "equipment" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" text NOT NULL,
	"kind" text NOT NULL,
	"code" text NOT NULL,
	"location" text NOT NULL,
	"make" text,
	"model" text,
	"installed_on" date,
	"status" text DEFAULT 'in_service' NOT NULL,
	"status_reason" text,
	"contractor_name" text,
	"contractor_contact" text,
	"contractor_phone" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "equipment_work_orders" (
	"equipment_id" uuid NOT NULL,
	"work_order_id" text NOT NULL,
	"source" text NOT NULL,
	"task_workflow_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "equipment_work_orders_equipment_id_work_order_id_pk" PRIMARY KEY("equipment_id","work_order_id")
);
--> statement-breakpoint
CREATE TABLE "maintenance_plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" text NOT NULL,
	"name" text NOT NULL,
	"equipment_id" uuid,
	"equipment_kind" text NOT NULL,
	"mode" text NOT NULL,
	"every" integer NOT NULL,
	"unit" text NOT NULL,
	"anchor" timestamp with time zone NOT NULL,
	"opens_before" text NOT NULL,
	"overdue_after" text NOT NULL,
	"assignee" jsonb NOT NULL,
	"template_code" text NOT NULL,
	"template_version" integer,
	"catch_up" text NOT NULL,
	"out_of_service_on_defect" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "maintenance_tasks" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"plan_id" uuid NOT NULL,
	"plan_revision" integer NOT NULL,
	"property_id" text NOT NULL,
	"equipment_id" uuid,
	"equipment_kind" text NOT NULL,
	"template_code" text NOT NULL,
	"template_version" integer NOT NULL,
	"nominal_due" timestamp with time zone NOT NULL,
	"opens_at" timestamp with time zone NOT NULL,
	"overdue_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"late" boolean DEFAULT false NOT NULL,
	"assignee_id" text,
	"assignee_name" text,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"completed_by_id" text,
	"skipped_reason" text,
	"missed_reason" text,
	"defects" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"seq" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "checklist_templates" ADD CONSTRAINT "checklist_templates_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "equipment" ADD CONSTRAINT "equipment_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "equipment_work_orders" ADD CONSTRAINT "equipment_work_orders_equipment_id_equipment_id_fk" FOREIGN KEY ("equipment_id") REFERENCES "public"."equipment"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_plans" ADD CONSTRAINT "maintenance_plans_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_plans" ADD CONSTRAINT "maintenance_plans_equipment_id_equipment_id_fk" FOREIGN KEY ("equipment_id") REFERENCES "public"."equipment"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "equipment_property_code_uq" ON "equipment" USING btree ("property_id","code");--> statement-breakpoint
CREATE INDEX "equipment_property_created_idx" ON "equipment" USING btree ("property_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "equipment_work_orders_equipment_created_idx" ON "equipment_work_orders" USING btree ("equipment_id","created_at");--> statement-breakpoint
CREATE INDEX "maintenance_plans_property_created_idx" ON "maintenance_plans" USING btree ("property_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "maintenance_plans_equipment_idx" ON "maintenance_plans" USING btree ("equipment_id");--> statement-breakpoint
CREATE INDEX "maintenance_tasks_property_due_idx" ON "maintenance_tasks" USING btree ("property_id","nominal_due");--> statement-breakpoint
CREATE INDEX "maintenance_tasks_plan_due_idx" ON "maintenance_tasks" USING btree ("plan_id","nominal_due");--> statement-breakpoint
CREATE INDEX "maintenance_tasks_equipment_idx" ON "maintenance_tasks" USING btree ("equipment_id");