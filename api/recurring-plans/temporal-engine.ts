/**
 * The plan engine on Temporal, for one kind of recurring plan: each active or paused plan runs
 * as its long-running workflow (`pm-plan:<planId>` for maintenance), which reads the plan from
 * PostgreSQL whenever it is told to.
 *
 * The plan row is the truth. A route calls the engine only after its change is committed, so
 * a Temporal that does not answer within the deadline must not undo or hide that change: the
 * call answers 503 saying the change is saved, and the engine catches up on its own in the
 * background (`ensureInBackground`): every active or paused plan is signalled with start,
 * which starts a missing workflow and makes a running one re-read its plan (harmless when
 * nothing changed: the seam's calls are idempotent), and every retirement not yet delivered
 * is delivered. The API process runs the same catch-up once at boot, so plans written by the
 * seed or while Temporal was down get their workflow too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../../db/index.js';
import { liveDrillScheduleIds } from '../../db/drill-schedules.js';
import { livePlanIds } from '../../db/maintenance.js';
import { drillScheduleWorkflowId, drillScheduleWorkflowType } from '../../workflows/drill-schedule.contract.js';
import { maintenancePlanWorkflowType, planWorkflowId } from '../../workflows/maintenance-plan.contract.js';
import { planChangedSignal, type RecurringPlanInput, type RecurringPlanResult } from '../../workflows/shared/recurring-plan.contract.js';
import { HttpProblem } from '../errors.js';
import { withinDeadline } from '../process-calls.js';
import type { PlanEngine } from './engine.js';

/** Where the engine reports what happens in the background. */
export interface EngineLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A kind of recurring plan as the engine on Temporal knows it. */
export interface PlanWorkflowKind {
  /** What the API calls one such plan in its messages ("maintenance plan"). */
  noun: string;
  /** The registered name of its workflow; the workflow takes a `RecurringPlanInput`. */
  workflowType: string;
  workflowId(planId: string): string;
  /** Every plan of the kind that is active or paused (the catch-up ensures each runs). */
  livePlanIds(db: Db): Promise<string[]>;
}

/** Maintenance plans: `maintenancePlanWorkflow`, `pm-plan:<planId>`. */
export const maintenancePlanWorkflows: PlanWorkflowKind = {
  noun: 'maintenance plan',
  workflowType: maintenancePlanWorkflowType,
  workflowId: planWorkflowId,
  livePlanIds,
};

/** Drill schedules: `drillScheduleWorkflow`, `drill-schedule:<id>`. */
export const drillScheduleWorkflows: PlanWorkflowKind = {
  noun: 'drill schedule',
  workflowType: drillScheduleWorkflowType,
  workflowId: drillScheduleWorkflowId,
  livePlanIds: liveDrillScheduleIds,
};

/** The workflow function type every plan workflow has. */
type PlanWorkflow = (input: RecurringPlanInput) => Promise<RecurringPlanResult>;

export interface TemporalPlanEngineDeps {
  temporal: Client;
  db: Db;
  taskQueue: string;
  /** Which kind of plan this engine runs (default: maintenance plans). */
  kind?: PlanWorkflowKind;
  /** How long one call waits for Temporal (default 20 s, as a route waits for a step). */
  timeoutMs?: number;
  /** Background catch-up: first wait after a failure, doubling up to `max` (default 5 s … 5 min). */
  retryMs?: { first: number; max: number };
  /** How many plans the catch-up tells at once (default 8). */
  concurrency?: number;
  logger?: EngineLog;
}

const quiet: EngineLog = { info: () => undefined, warn: () => undefined };

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class TemporalPlanEngine implements PlanEngine {
  private readonly timeoutMs: number;
  private readonly retryMs: { first: number; max: number };
  private readonly concurrency: number;
  private readonly log: EngineLog;
  private readonly kind: PlanWorkflowKind;
  /** Plans retired while Temporal did not answer: their workflows are still to be told. */
  private readonly owedRetirements = new Set<string>();
  private loop: Promise<void> | undefined;
  private again = false;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: TemporalPlanEngineDeps) {
    this.timeoutMs = deps.timeoutMs ?? 20_000;
    this.retryMs = deps.retryMs ?? { first: 5_000, max: 300_000 };
    this.concurrency = deps.concurrency ?? 8;
    this.log = deps.logger ?? quiet;
    this.kind = deps.kind ?? maintenancePlanWorkflows;
  }

  /** Start the plan's workflow; a second start lands on the running one, and a finished one is left alone. */
  async started(planId: string): Promise<void> {
    await this.tell(planId, 'is saved', () => this.start(planId));
  }

  /** Tell the plan's workflow to re-read its plan, starting it if it is missing. */
  async changed(planId: string): Promise<void> {
    await this.tell(planId, 'is saved', () => this.signalWithStart(planId));
  }

  /** Tell the plan's workflow that its plan is retired; a workflow that is gone needs no telling. */
  async retired(planId: string): Promise<void> {
    // Owed until delivered: a failure starts the catch-up at once, which must already see it.
    this.owedRetirements.add(planId);
    await this.tell(planId, 'is retired', () => this.signalRetired(planId));
    this.owedRetirements.delete(planId);
  }

  /**
   * Make every active or paused plan's workflow run and know its latest revision, and deliver
   * every retirement not yet delivered. Idempotent. Resolves with the number of plans told;
   * rejects naming how many could not be reached (each was tried).
   */
  async ensureAll(): Promise<number> {
    const owed = [...this.owedRetirements];
    const jobs: (() => Promise<void>)[] = [
      ...(await this.kind.livePlanIds(this.deps.db)).map((id) => () => this.within(id, () => this.signalWithStart(id))),
      ...owed.map((id) => async () => {
        await this.within(id, () => this.signalRetired(id));
        this.owedRetirements.delete(id);
      }),
    ];
    let failed = 0;
    let firstError: unknown;
    let next = 0;
    const lane = async () => {
      while (next < jobs.length && !this.stopping.signal.aborted) {
        const job = jobs[next++]!;
        await job().catch((err: unknown) => {
          failed += 1;
          firstError ??= err;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, lane));
    if (failed > 0) throw new Error(`${failed} of ${jobs.length} plan workflows not reached: ${messageOf(firstError)}`);
    return jobs.length;
  }

  /**
   * Run `ensureAll` in the background until it succeeds, waiting longer after each failure
   * (one log line per attempt). Never throws; a call while a catch-up runs makes it run once more.
   */
  ensureInBackground(): void {
    this.again = true;
    if (this.loop || this.stopping.signal.aborted) return;
    this.loop = this.catchUp().finally(() => {
      this.loop = undefined;
    });
  }

  /** Stop the background catch-up (on shutdown); resolves once it has stopped. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async catchUp(): Promise<void> {
    let wait = this.retryMs.first;
    while (this.again && !this.stopping.signal.aborted) {
      this.again = false;
      try {
        const plans = await this.ensureAll();
        this.log.info({ plans }, `${this.kind.noun} workflows ensured`);
        wait = this.retryMs.first;
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        this.again = true;
        this.log.warn({ err: messageOf(err), retryInMs: wait }, `${this.kind.noun} workflows not ensured; retrying`);
        await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        wait = Math.min(wait * 2, this.retryMs.max);
      }
    }
  }

  /** One call within the deadline: Temporal's refusals and silence both reject. */
  private within(planId: string, fn: () => Promise<void>): Promise<void> {
    return withinDeadline(this.deps.temporal, this.timeoutMs, `${this.kind.noun} ${planId}`, 'the plan engine did not answer in time', fn);
  }

  /**
   * A route's call: any failure (silence past the deadline, an unreachable server, a refusal)
   * is a 503 saying the change is saved, never a 500, and the background catch-up takes over.
   */
  private async tell(planId: string, saved: string, fn: () => Promise<void>): Promise<void> {
    try {
      await this.within(planId, fn);
    } catch (err) {
      this.log.warn({ planId, err: messageOf(err) }, 'plan engine did not answer; catching up in the background');
      this.ensureInBackground();
      throw new HttpProblem(
        503,
        'unavailable',
        `${this.kind.noun} ${planId} ${saved}, but Temporal did not answer in time: the plan engine applies it as soon as Temporal answers again (read the plan back; do not repeat the change)`,
      );
    }
  }

  private async start(planId: string): Promise<void> {
    try {
      await this.deps.temporal.workflow.start<PlanWorkflow>(this.kind.workflowType, {
        workflowId: this.kind.workflowId(planId),
        taskQueue: this.deps.taskQueue,
        args: [{ planId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      // The plan's workflow ran and finished (the plan was retired): never a second run.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  private async signalWithStart(planId: string): Promise<void> {
    try {
      await this.deps.temporal.workflow.signalWithStart<PlanWorkflow>(this.kind.workflowType, {
        workflowId: this.kind.workflowId(planId),
        taskQueue: this.deps.taskQueue,
        args: [{ planId }],
        signal: planChangedSignal,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  private async signalRetired(planId: string): Promise<void> {
    try {
      await this.deps.temporal.workflow.getHandle(this.kind.workflowId(planId)).signal(planChangedSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
