/**
 * The seam between a kind of recurring plan's routes (maintenance plans, patrol schedules,
 * drill schedules) and whatever runs each plan as its long-running workflow (the engine of
 * workflows/shared/recurring-plan.ts; `pm-plan:<planId>` for a maintenance plan).
 *
 * The routes commit a plan's change to PostgreSQL (with its audit row and a new `revision`)
 * and only then tell the engine, by plan ID alone: the engine reads the plan from the
 * database, so each call is idempotent and a repeated call is harmless. An implementation
 * starts the workflow with a conflict policy that makes a second start land on the running
 * one (`started`), signals it to re-read the plan from its next occurrence (`changed`: a new
 * revision, a pause or a resume, each with `statusReason` and `statusChangedAt` on the row),
 * or tells it that no further occurrence is due (`retired`).
 *
 * The maintenance plan routes reach theirs as `AppDeps.planEngine` (api/app.ts). Without one,
 * the plan routes refuse every write with 503 before writing anything; reads work either way.
 */
export interface PlanEngine {
  /** A plan was created: start its workflow. */
  started(planId: string): Promise<void>;
  /** A plan was changed, paused or resumed: its workflow applies the new revision from its next occurrence. */
  changed(planId: string): Promise<void>;
  /** A plan was retired: its workflow starts no further occurrence and ends. */
  retired(planId: string): Promise<void>;
}
