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
ALTER TABLE "inspection_scores" ADD CONSTRAINT "inspection_scores_inspection_id_inspections_id_fk" FOREIGN KEY ("inspection_id") REFERENCES "public"."inspections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inspections_property_inspected_idx" ON "inspections" USING btree ("property_id","inspected_at");