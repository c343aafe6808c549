DROP INDEX "work_orders_property_created_idx";--> statement-breakpoint
DROP INDEX "complaints_property_created_idx";--> statement-breakpoint
CREATE INDEX "work_orders_property_created_idx" ON "work_orders" USING btree ("property_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "complaints_property_created_idx" ON "complaints" USING btree ("property_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);