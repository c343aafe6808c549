/**
 * What every process resource does the same way, over its contract: idempotent create with
 * ID allocation (the contact stored first, the workflow started typed), reading the live
 * state with the caller's access settled, finding its projection row, and taking a staff
 * step as a workflow update. Routes keep only what is their own: bodies, checks that need
 * reference data, and the API shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { getContact, saveContact, type Contact } from '../db/contacts.js';
import { claimIdempotencyKey, requestHash } from '../db/work-orders.js';
import type { StepOutcome } from '../workflows/shared/steps.js';
import { requirePropertyAccess } from './auth.js';
import { commonErrors, conflict, HttpProblem } from './errors.js';
import { readVisible, withinDeadline } from './process-calls.js';

/** The header of an idempotent create: a retry with the same key gets the same process. */
export const idempotencyHeaders = z
  .object({ 'idempotency-key': z.string().min(8).max(200).optional().meta({ description: 'makes a retried create return the same process' }) })
  .loose();

/**
 * The route options of a process's idempotent create: 201 with the new process, 200 when the
 * request was a replay or reached one already open, 503 when Temporal does not confirm in time.
 */
export function createRouteSchema<B extends z.ZodType, R extends z.ZodType>(o: { tag: string; summary: string; description?: string; body: B; reply: R }) {
  return {
    schema: {
      tags: [o.tag],
      summary: o.summary,
      ...(o.description ? { description: o.description } : {}),
      headers: idempotencyHeaders,
      body: o.body,
      response: { 200: o.reply, 201: o.reply, ...commonErrors, 503: commonErrors[409] },
    },
  };
}

/**
 * The reply to a create: 201 with the new resource and its `location`, or 200 with
 * `idempotent-replayed: true` when the request was a replay or reached one already there.
 */
export function sendCreated<T>(reply: FastifyReply, location: string, replayed: boolean, body: T) {
  return reply.status(replayed ? 200 : 201).header('location', location).header('idempotent-replayed', String(replayed)).send(body);
}

/** One process kind as the API serves it. */
export interface ProcessResourceSpec<State extends { propertyId: string }, Row extends { propertyId: string; status: string }> {
  /** How people name one: "work order". */
  noun: string;
  /** Where its list lives, for messages: "/v1/work-orders". */
  list: string;
  /** The workflow's registered name (its function's type is given to `processResource`, imported as a type only). */
  workflowType: string;
  workflowId: (id: string) => string;
  query: QueryDefinition<State>;
  row: (id: string) => Promise<Row | undefined>;
  final: readonly string[];
}

/** A process workflow: it starts from one input. */
export type ProcessWorkflow = (input: never) => Promise<unknown>;

/** A new process to start. */
export interface NewProcess<W extends ProcessWorkflow> {
  /** Idempotency scope (with the caller), e.g. `work-order`. */
  scope: string;
  /** What a retry must repeat exactly. */
  request: unknown;
  allocate: () => Promise<string>;
  propertyId: string;
  input: (id: string) => Parameters<W>[0];
  contact?: { name: string; phone?: string | undefined };
}

/**
 * The ID of a new resource: a fresh one, or with an Idempotency-Key the one an earlier
 * identical request got (`replayed`); 409 when the key was used for a different request.
 */
export async function claimId(req: FastifyRequest, scope: string, request: unknown, allocate: () => Promise<string>): Promise<{ id: string; replayed: boolean }> {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string') return { id: await allocate(), replayed: false };
  const claim = await claimIdempotencyKey(req.server.deps.db, `${scope}:${req.user.sub}`, key, requestHash(request), allocate);
  if (!claim.sameRequest) throw conflict('Idempotency-Key was already used for a different request');
  return { id: claim.resourceId, replayed: !claim.fresh };
}

/** The longest a create waits for Temporal to confirm a start before answering 503. */
const startTimeoutMs = 5000;

/** The API side of a process kind. */
export function processResource<W extends ProcessWorkflow, State extends { propertyId: string }, Row extends { propertyId: string; status: string }>(
  app: FastifyInstance,
  spec: ProcessResourceSpec<State, Row>,
) {
  const { db, temporal, taskQueue } = app.deps;
  // How long a request waits for the worker to answer a query or finish a step.
  const waitMs = app.deps.stepTimeoutMs ?? 20_000;
  const handleOf = (id: string) => temporal.workflow.getHandle(spec.workflowId(id));

  /**
   * The live state from the workflow (a finished process is read back by replaying its
   * history). A worker that does not answer within the deadline is a 503, not a hang.
   */
  const readState = (id: string): Promise<State> =>
    withinDeadline(temporal, waitMs, `${spec.noun} ${id}`, `no worker answered; the list (GET ${spec.list}) still reads the projection`, () => handleOf(id).query(spec.query));

  /** The projection row, once the caller may see its property; undefined while the process is too new to be projected. */
  const rowFor = async (req: FastifyRequest, id: string): Promise<Row | undefined> => {
    const row = await spec.row(id);
    if (row) {
      requirePropertyAccess(req, row.propertyId, `${spec.noun} ${id}`);
      return row;
    }
    requirePropertyAccess(req, (await readState(id)).propertyId, `${spec.noun} ${id}`);
    return undefined;
  };

  /** The property of a process the caller may see. */
  const propertyOf = async (req: FastifyRequest, id: string): Promise<string> => (await rowFor(req, id))?.propertyId ?? (await readState(id)).propertyId;

  /** Row, live state and contact of one process, read at once; access settled first. */
  const read = async (req: FastifyRequest, id: string): Promise<{ row: Row | undefined; state: State; contact: Contact | undefined }> => {
    const contact = getContact(db, spec.workflowId(id));
    const { row, state } = await readVisible(req, `${spec.noun} ${id}`, spec.row(id), readState(id));
    return { row, state, contact: await contact };
  };

  /** 409 for a process that has ended, as its projection knows it. */
  const ensureOpen = (id: string, row: Row | undefined): void => {
    if (row && spec.final.includes(row.status)) {
      throw new HttpProblem(409, 'illegal_transition', `${spec.noun} ${id} is ${row.status}: no further steps`, { status: row.status });
    }
  };

  /** Row, live state and contact of a process that has not ended (409 once it has). */
  const readOpen = async (req: FastifyRequest, id: string) => {
    const found = await read(req, id);
    ensureOpen(id, found.row);
    return found;
  };

  /** Take a staff step as a workflow update (the validator's verdict becomes 400/403/409), then read the process back. */
  const step = async <Args>(req: FastifyRequest, id: string, update: UpdateDefinition<StepOutcome, [Args]>, args: Args) => {
    ensureOpen(id, await rowFor(req, id));
    const outcome = await withinDeadline(temporal, waitMs, `${spec.noun} ${id}`, `no worker answered in time; the step may still be applied, read the ${spec.noun} back before retrying`, () =>
      handleOf(id).executeUpdate(update, { args: [args] }),
    );
    const [state, contact] = await Promise.all([readState(id), getContact(db, spec.workflowId(id))]);
    return { outcome, state, contact };
  };

  /**
   * Create a process: claim the idempotency key (a retry gets the same ID), store the
   * contact, start the workflow so that a retry lands on the same run, and read it back.
   * Once started it exists: a worker that does not answer yet gives `provisional` instead
   * of failing the create.
   */
  const create = async (req: FastifyRequest, o: NewProcess<W>, provisional: (input: Parameters<W>[0]) => State) => {
    const { id, replayed } = await claimId(req, o.scope, o.request, o.allocate);
    const input = o.input(id);
    const workflowId = spec.workflowId(id);
    if (o.contact) await saveContact(db, workflowId, o.propertyId, o.contact);
    try {
      // Bounded: with Temporal down the caller gets a fast 503 and retries with the same key, landing on this ID.
      await withinDeadline(temporal, Math.min(waitMs, startTimeoutMs), `${spec.noun} ${id}`, 'Temporal did not confirm the start in time; retry with the same Idempotency-Key', () =>
        temporal.workflow.start<(input: Parameters<W>[0]) => ReturnType<W>>(spec.workflowType, {
          workflowId,
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (err) {
      // A retry of a create whose process already finished: leave it alone, never a second run.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError && replayed)) throw err;
    }
    const [state, contact] = await Promise.all([
      readState(id).catch((err: unknown) => {
        if (err instanceof HttpProblem && err.statusCode === 503) return provisional(input);
        throw err;
      }),
      getContact(db, workflowId),
    ]);
    return { id, replayed, state, contact };
  };

  /** Reads and steps that answer with the process in the API's shape (`view`). */
  const shownAs = <R>(view: (req: FastifyRequest, state: State, contact: Contact | undefined) => R | Promise<R>) => ({
    read: async (req: FastifyRequest, id: string): Promise<R> => {
      const { state, contact } = await read(req, id);
      return view(req, state, contact);
    },
    step: async <Args>(req: FastifyRequest, id: string, update: UpdateDefinition<StepOutcome, [Args]>, args: Args): Promise<R> => {
      const { state, contact } = await step(req, id, update, args);
      return view(req, state, contact);
    },
  });

  return { readState, rowFor, propertyOf, read, readOpen, ensureOpen, step, create, shownAs };
}

/**
 * The route options of a process's staff steps: its tag, the step's summary, the ID in the
 * path, the step's body, and the process as it stands after the step in the reply (503 when
 * no worker answers in time).
 */
export function stepRouteSchemas<P extends z.ZodType, R extends z.ZodType>(tag: string, params: P, reply: R) {
  return <B extends z.ZodType>(summary: string, body: B) => ({
    schema: { tags: [tag], summary, params, body, response: { 200: reply, ...commonErrors, 503: commonErrors[409] } },
  });
}
