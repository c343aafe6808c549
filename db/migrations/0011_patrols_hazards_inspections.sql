CREATE SEQUENCE "public"."hazard_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "hazard_policies" (
	"property_id" text NOT NULL,
	"severity" text NOT NULL,
	"rectify" text NOT NULL,
	"warn_ratio" real DEFAULT 0.8 NOT NULL,
	"escalation" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "hazard_policies_property_id_severity_pk" PRIMARY KEY("property_id","severity")
);
--> statement-breakpoint
CREATE TABLE "hazards" (
	"id" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"property_id" text NOT NULL,
	"unit_id" text,
	"unit_code" text,
	"common_area" text,
	"severity" text NOT NULL,
	"description" text NOT NULL,
	"source_kind" text NOT NULL,
	"source_ref" text,
	"route_id" text,
	"status" text NOT NULL,
	"rectifier_id" text,
	"rectifier_name" text,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"failed_reinspections" integer DEFAULT 0 NOT NULL,
	"next_deadline" timestamp with time zone,
	"rectify_deadline" timestamp with time zone,
	"overdue" boolean DEFAULT false NOT NULL,
	"open_work_orders" integer DEFAULT 0 NOT NULL,
	"created_by_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"needs_attention" boolean DEFAULT false NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "hazards_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
CREATE TABLE "patrol_checkpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"route_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"tag_code" text NOT NULL,
	"location" text NOT NULL,
	"what_to_check" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "patrol_rounds" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"property_id" text NOT NULL,
	"route_id" uuid NOT NULL,
	"schedule_id" uuid,
	"route_kind" text NOT NULL,
	"due" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"late" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"guard_id" text,
	"guard_name" text,
	"checkpoints" integer NOT NULL,
	"checked" integer DEFAULT 0 NOT NULL,
	"missed" integer DEFAULT 0 NOT NULL,
	"exceptions" integer DEFAULT 0 NOT NULL,
	"issues" integer DEFAULT 0 NOT NULL,
	"skew_flags" integer DEFAULT 0 NOT NULL,
	"scans" integer DEFAULT 0 NOT NULL,
	"min_gap_ms" bigint,
	"max_gap_ms" bigint,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"early_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"needs_attention" boolean DEFAULT false NOT NULL,
	"seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "patrol_routes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"ordered" boolean DEFAULT false NOT NULL,
	"window" text NOT NULL,
	"grace" text NOT NULL,
	"skew_tolerance" text DEFAULT 'PT5M' NOT NULL,
	"escalate_after" text DEFAULT 'PT30M' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "patrol_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" text NOT NULL,
	"route_id" uuid NOT NULL,
	"name" text NOT NULL,
	"every" integer NOT NULL,
	"unit" text NOT NULL,
	"anchor" timestamp with time zone NOT NULL,
	"opens_before" text DEFAULT 'PT0S' NOT NULL,
	"catch_up" text DEFAULT 'all' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inspection_scores" (
	"inspection_id" uuid NOT NULL,
	"area" text NOT NULL,
	"contractor" text,
	"score" integer NOT NULL,
	"threshold" integer NOT NULL,
	"note" text,
	"hazard_id" text,
	CONSTRAINT "inspection_scores_inspection_id_area_pk" PRIMARY KEY("inspection_id","area")
);
--> statement-breakpoint
CREATE TABLE "inspections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" text NOT NULL,
	"kind" text NOT NULL,
	"inspected_at" timestamp with time zone NOT NULL,
	"inspector_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "hazard_policies" ADD CONSTRAINT "hazard_policies_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patrol_checkpoints" ADD CONSTRAINT "patrol_checkpoints_route_id_patrol_routes_id_fk" FOREIGN KEY ("route_id") REFERENCES "public"."patrol_routes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patrol_routes" ADD CONSTRAINT "patrol_routes_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patrol_schedules" ADD CONSTRAINT "patrol_schedules_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patrol_schedules" ADD CONSTRAINT "patrol_schedules_route_id_patrol_routes_id_fk" FOREIGN KEY ("route_id") REFERENCES "public"."patrol_routes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_scores" ADD CONSTRAINT "inspection_scores_inspection_id_inspections_id_fk" FOREIGN KEY ("inspection_id") REFERENCES "public"."inspections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hazards_needs_attention_idx" ON "hazards" USING btree ("property_id") WHERE needs_attention;--> statement-breakpoint
CREATE INDEX "hazards_property_created_idx" ON "hazards" USING btree ("property_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "hazards_property_status_idx" ON "hazards" USING btree ("property_id","status");--> statement-breakpoint
CREATE INDEX "hazards_route_created_idx" ON "hazards" USING btree ("route_id","created_at") WHERE route_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "patrol_checkpoints_route_tag_uq" ON "patrol_checkpoints" USING btree ("route_id","tag_code");--> statement-breakpoint
CREATE INDEX "patrol_checkpoints_route_idx" ON "patrol_checkpoints" USING btree ("route_id","position");--> statement-breakpoint
CREATE INDEX "patrol_rounds_needs_attention_idx" ON "patrol_rounds" USING btree ("property_id") WHERE needs_attention;--> statement-breakpoint
CREATE INDEX "patrol_rounds_property_due_idx" ON "patrol_rounds" USING btree ("property_id","due" DESC NULLS FIRST,"workflow_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "patrol_rounds_route_due_idx" ON "patrol_rounds" USING btree ("route_id","due");--> statement-breakpoint
CREATE UNIQUE INDEX "patrol_routes_property_name_uq" ON "patrol_routes" USING btree ("property_id","name");--> statement-breakpoint
CREATE INDEX "patrol_routes_property_created_idx" ON "patrol_routes" USING btree ("property_id","created_at");--> statement-breakpoint
CREATE INDEX "patrol_schedules_property_idx" ON "patrol_schedules" USING btree ("property_id");--> statement-breakpoint
CREATE INDEX "patrol_schedules_route_idx" ON "patrol_schedules" USING btree ("route_id");--> statement-breakpoint
CREATE INDEX "inspections_property_inspected_idx" ON "inspections" USING btree ("property_id","inspected_at");