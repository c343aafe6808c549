CREATE SEQUENCE "public"."work_order_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "work_orders" (
	"id" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"property_id" text NOT NULL,
	"unit_id" text,
	"unit_code" text,
	"common_area" text,
	"category" text NOT NULL,
	"priority" text NOT NULL,
	"channel" text NOT NULL,
	"description" text NOT NULL,
	"reporter_name" text NOT NULL,
	"reporter_phone" text,
	"status" text NOT NULL,
	"assignee_id" text,
	"assignee_name" text,
	"assignment_round" integer DEFAULT 0 NOT NULL,
	"rectifications" integer DEFAULT 0 NOT NULL,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"next_deadline" timestamp with time zone,
	"deadlines" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"satisfaction" integer,
	"created_by_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"seq" bigint NOT NULL,
	CONSTRAINT "work_orders_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
CREATE TABLE "sla_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"property_id" text NOT NULL,
	"clock" text NOT NULL,
	"run" integer NOT NULL,
	"level" integer NOT NULL,
	"role" text,
	"deadline" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"fired_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"recipients" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"resource_id" text NOT NULL,
	"request_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
ALTER TABLE "staff_memberships" ADD COLUMN "last_assigned_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "work_orders_property_created_idx" ON "work_orders" USING btree ("property_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "work_orders_property_status_idx" ON "work_orders" USING btree ("property_id","status");--> statement-breakpoint
CREATE INDEX "work_orders_assignee_status_idx" ON "work_orders" USING btree ("assignee_id","status");--> statement-breakpoint
CREATE INDEX "work_orders_next_deadline_idx" ON "work_orders" USING btree ("next_deadline") WHERE next_deadline IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "sla_events_once_uq" ON "sla_events" USING btree ("workflow_id","clock","run","level");--> statement-breakpoint
CREATE INDEX "sla_events_property_idx" ON "sla_events" USING btree ("property_id","fired_at");