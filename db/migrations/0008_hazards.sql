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
	"seq" bigint NOT NULL,
	CONSTRAINT "hazards_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
ALTER TABLE "hazard_policies" ADD CONSTRAINT "hazard_policies_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hazards_property_created_idx" ON "hazards" USING btree ("property_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "hazards_property_status_idx" ON "hazards" USING btree ("property_id","status");--> statement-breakpoint
CREATE INDEX "hazards_route_created_idx" ON "hazards" USING btree ("route_id","created_at") WHERE route_id IS NOT NULL;