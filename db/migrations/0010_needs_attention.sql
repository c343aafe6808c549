ALTER TABLE "work_orders" ADD COLUMN "needs_attention" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "needs_attention" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "maintenance_tasks" ADD COLUMN "needs_attention" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "work_orders_needs_attention_idx" ON "work_orders" USING btree ("property_id") WHERE needs_attention;--> statement-breakpoint
CREATE INDEX "complaints_needs_attention_idx" ON "complaints" USING btree ("property_id") WHERE needs_attention;--> statement-breakpoint
CREATE INDEX "maintenance_tasks_needs_attention_idx" ON "maintenance_tasks" USING btree ("property_id") WHERE needs_attention;