/**
 * Maintenance tasks: the list from the `maintenance_tasks` projection, one task's live state
 * from its workflow, and the staff steps (assign, start, complete, skip) as workflow updates.
 * Tasks are created by their plan's workflow only, never through the API.
 */
import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getEquipment, type MaintenanceTaskRow } from '../../db/maintenance.js';
import { getTaskRow, listTasks } from '../../db/maintenance-tasks.js';
import { pendingTaskStatuses, visibleTaskStatus, type MaintenanceTaskStatus } from '../../domain/maintenance.js';
import type { maintenanceTaskWorkflow } from '../../workflows/maintenance-task.js';
import {
  assignTaskUpdate,
  completeTaskUpdate,
  finalTaskStatuses,
  maintenanceTaskQuery,
  maintenanceTaskWorkflowType,
  skipTaskUpdate,
  startTaskUpdate,
  type MaintenanceTaskState,
} from '../../workflows/maintenance-task.contract.js';
import type { StepOutcome } from '../../workflows/shared/steps.js';
import { fieldRoles } from '../../workflows/work-order.contract.js';
import { actorOf, canSeeProperty, visibleProperties } from '../auth.js';
import { badRequest, commonErrors, errorBody } from '../errors.js';
import { staffMemberFor } from '../process-calls.js';
import { processResource } from '../process-resource.js';
import { decodeCursor, encodeCursor, iso, isoOrNull, presentDeadlines, presentTimeline } from '../process-views.js';
import { assignBody, completeBody, emptyBody, skipBody, taskListQuery, taskParams, taskSchema, taskSummary } from './schemas.js';

const isoOf = (d: Date | null): string | null => d?.toISOString() ?? null;

/** Still waiting for the work and past its overdue time. */
const isOverdue = (status: MaintenanceTaskStatus, overdueAtMs: number, now = Date.now()): boolean => pendingTaskStatuses.includes(status) && overdueAtMs < now;

function summarise(row: MaintenanceTaskRow): z.infer<typeof taskSummary> {
  const status = row.status as MaintenanceTaskStatus;
  return {
    id: row.workflowId,
    planId: row.planId,
    planRevision: row.planRevision,
    propertyId: row.propertyId,
    equipmentId: row.equipmentId,
    equipmentKind: row.equipmentKind,
    template: { code: row.templateCode, version: row.templateVersion },
    nominalDue: row.nominalDue.toISOString(),
    opensAt: row.opensAt.toISOString(),
    overdueAt: row.overdueAt.toISOString(),
    status,
    late: row.late,
    overdue: isOverdue(status, row.overdueAt.getTime()),
    needsAttention: row.needsAttention,
    assignee: row.assigneeId && row.assigneeName ? { id: row.assigneeId, name: row.assigneeName } : null,
    escalationLevel: row.escalationLevel,
    startedAt: isoOf(row.startedAt),
    completedAt: isoOf(row.completedAt),
    skippedReason: row.skippedReason,
    missedReason: row.missedReason,
    defects: row.defects,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The workflow's state in the API's shape, with when the list last saw it. */
function present(id: string, state: MaintenanceTaskState, row: MaintenanceTaskRow | undefined): z.infer<typeof taskSchema> {
  return {
    id,
    planId: state.planId,
    planRevision: state.planRevision,
    planName: state.planName,
    propertyId: state.propertyId,
    equipment: state.equipment,
    nominalDue: iso(state.nominalDue),
    opensAt: iso(state.opensAt),
    overdueAt: iso(state.overdueAt),
    late: state.late,
    status: visibleTaskStatus(state.status, state.opensAt, Date.now()),
    assignTo: state.assignTo,
    assignee: state.assignee ?? null,
    template: state.template,
    deadlines: presentDeadlines(state.deadlines),
    escalationLevel: state.escalationLevel,
    startedAt: isoOrNull(state.startedAt),
    completion: state.completion ? { ...state.completion, at: iso(state.completion.at) } : null,
    defects: state.defects,
    skippedReason: state.skippedReason ?? null,
    missedReason: state.missedReason ?? null,
    createdBy: state.createdBy,
    createdAt: iso(state.createdAt),
    closedAt: isoOrNull(state.closedAt),
    projectedAt: isoOf(row?.updatedAt ?? null),
    timeline: presentTimeline(state.timeline),
  };
}

export const maintenanceTaskRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;
  const tasks = processResource<typeof maintenanceTaskWorkflow, MaintenanceTaskState, MaintenanceTaskRow>(app, {
    noun: 'maintenance task',
    list: '/v1/maintenance/tasks',
    workflowType: maintenanceTaskWorkflowType,
    // The task's ID is its workflow ID (the plan's workflow names it).
    workflowId: (id) => id,
    query: maintenanceTaskQuery,
    row: (id) => getTaskRow(db, id),
    final: finalTaskStatuses,
  });

  app.get(
    '/maintenance/tasks',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'List tasks from the projection, newest due first, keyset paging',
        querystring: taskListQuery,
        response: { 200: z.object({ items: z.array(taskSummary), nextCursor: z.string().nullable() }), ...commonErrors },
      },
    },
    async (req) => {
      const q = req.query;
      // Another property's filter finds nothing and its equipment is unknown, exactly as an unknown one's.
      const found = q.equipmentId ? await getEquipment(db, q.equipmentId) : undefined;
      const item = found && canSeeProperty(req, found.propertyId) ? found : undefined;
      if (q.equipmentId && !item) throw badRequest('querystring.equipmentId', `no equipment ${q.equipmentId}`);
      // The shared keyset cursor carries (nominal due, workflow ID) in its (createdAt, id) slots.
      const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
      const page = await listTasks(db, {
        propertyIds: visibleProperties(req),
        propertyId: q.propertyId,
        status: q.status,
        planId: q.planId,
        equipment: item,
        assigneeId: q.assigneeId,
        overdue: q.overdue,
        dueFrom: q.dueFrom,
        dueTo: q.dueTo,
        limit: q.limit,
        cursor: cursor ? { nominalDue: cursor.createdAt, workflowId: cursor.id } : undefined,
      });
      return { items: page.items.map(summarise), nextCursor: page.next ? encodeCursor({ createdAt: page.next.nominalDue, id: page.next.workflowId }) : null };
    },
  );

  const readErrors = { ...commonErrors, 503: errorBody };

  app.get(
    '/maintenance/tasks/:id',
    { schema: { tags: ['maintenance'], summary: 'One task: checklist, clocks, completion, defects and their repair orders, timeline', params: taskParams, response: { 200: taskSchema, ...readErrors } } },
    async (req) => {
      const { row, state } = await tasks.read(req, req.params.id);
      return present(req.params.id, state, row);
    },
  );

  /** Run a staff step; the reply is the task as it stands after it. */
  const step = async <Args>(req: FastifyRequest, id: string, update: UpdateDefinition<StepOutcome, [Args]>, args: Args) => {
    const { state } = await tasks.step(req, id, update, args);
    return present(id, state, await getTaskRow(db, id));
  };
  const actionSchema = <B extends z.ZodType>(summary: string, body: B) => ({
    schema: { tags: ['maintenance'], summary, params: taskParams, body, response: { 200: taskSchema, ...readErrors } },
  });

  app.post('/maintenance/tasks/:id/assign', actionSchema('Give the task to a field staff member by hand (supervisors)', assignBody), async (req) => {
    const propertyId = await tasks.propertyOf(req, req.params.id);
    const person = await staffMemberFor(db, propertyId, req.body.assigneeId, 'assigneeId', fieldRoles, 'field staff');
    const reason = req.body.reason ? { reason: req.body.reason } : {};
    return step(req, req.params.id, assignTaskUpdate, { actor: actorOf(req), assignee: { id: person.id, name: person.name }, ...reason });
  });
  app.post('/maintenance/tasks/:id/start', actionSchema('The assignee starts the work (stops the start clock)', emptyBody), async (req) =>
    step(req, req.params.id, startTaskUpdate, { actor: actorOf(req) }),
  );
  app.post(
    '/maintenance/tasks/:id/complete',
    actionSchema('The checklist, answered; a failed item or a reading out of its limits starts a repair order', completeBody),
    async (req) => step(req, req.params.id, completeTaskUpdate, { actor: actorOf(req), answers: req.body.answers, ...(req.body.note ? { note: req.body.note } : {}) }),
  );
  app.post('/maintenance/tasks/:id/skip', actionSchema('Skip this occurrence, with a reason (supervisors)', skipBody), async (req) =>
    step(req, req.params.id, skipTaskUpdate, { actor: actorOf(req), reason: req.body.reason }),
  );
};
