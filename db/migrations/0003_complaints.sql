CREATE SEQUENCE "public"."complaint_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "complaint_policies" (
	"property_id" text NOT NULL,
	"priority" text NOT NULL,
	"respond" text NOT NULL,
	"resolve" text NOT NULL,
	"revisit" text NOT NULL,
	"warn_ratio" real DEFAULT 0.8 NOT NULL,
	"escalation" jsonb NOT NULL,
	"reopen_escalate_after" integer DEFAULT 2 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "complaint_policies_property_id_priority_pk" PRIMARY KEY("property_id","priority")
);
--> statement-breakpoint
CREATE TABLE "complaints" (
	"id" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"property_id" text NOT NULL,
	"unit_id" text,
	"unit_code" text,
	"common_area" text,
	"category" text NOT NULL,
	"priority" text NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"channel" text NOT NULL,
	"description" text NOT NULL,
	"complainant_name" text NOT NULL,
	"complainant_phone" text,
	"status" text NOT NULL,
	"department" text,
	"handler_id" text,
	"handler_name" text,
	"assignment_round" integer DEFAULT 0 NOT NULL,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"reopens" integer DEFAULT 0 NOT NULL,
	"next_deadline" timestamp with time zone,
	"deadlines" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"work_orders" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"open_work_orders" integer DEFAULT 0 NOT NULL,
	"responded_at" timestamp with time zone,
	"respond_deadline" timestamp with time zone,
	"respond_met" boolean,
	"resolved_at" timestamp with time zone,
	"resolve_deadline" timestamp with time zone,
	"resolve_met" boolean,
	"satisfaction" integer,
	"created_by_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"seq" bigint NOT NULL,
	CONSTRAINT "complaints_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
ALTER TABLE "complaint_policies" ADD CONSTRAINT "complaint_policies_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "complaints_property_created_idx" ON "complaints" USING btree ("property_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "complaints_property_status_idx" ON "complaints" USING btree ("property_id","status");--> statement-breakpoint
CREATE INDEX "complaints_handler_status_idx" ON "complaints" USING btree ("handler_id","status");--> statement-breakpoint
CREATE INDEX "complaints_next_deadline_idx" ON "complaints" USING btree ("next_deadline") WHERE next_deadline IS NOT NULL;