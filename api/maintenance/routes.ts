/**
 * The property's annual maintenance calendar (every occurrence of the year of every active
 * plan, for the yearly disclosure) and the monthly compliance report over the task projection.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { activePlans, lastCompletions, listEquipmentCodes, scheduleOf, taskOutcomes } from '../../db/maintenance.js';
import { pendingTaskStatuses, type EquipmentKind, type MaintenanceTaskStatus } from '../../domain/maintenance.js';
import { defaultOccurrenceLimit, monthBounds, nextDue, occurrences, taskWindow, yearBounds } from '../../domain/maintenance-schedule.js';
import { commonErrors } from '../errors.js';
import { propertyFor } from '../maintenance-access.js';
import { iso } from '../process-views.js';
import { calendarQuery, calendarSchema, complianceQuery, complianceSchema } from './schemas.js';

type Tally = z.infer<typeof complianceSchema>['total'];
type OutcomeRow = Awaited<ReturnType<typeof taskOutcomes>>[number];

/** Count outcomes: on time ÷ scheduled, where scheduled is every occurrence not skipped. */
function tally(rows: OutcomeRow[]): Tally {
  const by = (statuses: readonly string[]) => rows.filter((r) => statuses.includes(r.status)).reduce((n, r) => n + r.n, 0);
  const skippedRows = rows.filter((r) => r.status === 'skipped');
  const reasons = new Map<string, number>();
  for (const r of skippedRows) reasons.set(r.skippedReason ?? 'no reason recorded', (reasons.get(r.skippedReason ?? 'no reason recorded') ?? 0) + r.n);
  const onTime = by(['completed' satisfies MaintenanceTaskStatus]);
  const scheduled = rows.reduce((n, r) => n + r.n, 0) - by(['skipped']);
  return {
    scheduled,
    onTime,
    late: by(['completed_late']),
    missed: by(['missed']),
    pending: by(pendingTaskStatuses),
    startedLate: rows.reduce((n, r) => n + r.startedLate, 0),
    skipped: { count: by(['skipped']), reasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)) },
    compliancePercent: scheduled === 0 ? null : Math.round((onTime / scheduled) * 1000) / 10,
  };
}

export const maintenanceRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.get(
    '/maintenance/calendar',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Every occurrence in a year of every active plan of a property, in due order',
        querystring: calendarQuery,
        response: { 200: calendarSchema, ...commonErrors },
      },
    },
    async (req) => {
      const { propertyId, year } = req.query;
      const property = await propertyFor(req, db, propertyId);
      const bounds = yearBounds(year, property.timezone);
      const plans = await activePlans(db, propertyId);
      const [completions, codes] = await Promise.all([
        lastCompletions(db, plans.map((p) => p.id)),
        listEquipmentCodes(db, plans.flatMap((p) => (p.equipmentId ? [p.equipmentId] : []))),
      ]);
      const items: z.infer<typeof calendarSchema>['items'] = [];
      const planSummaries = plans.map((p) => {
        let s = scheduleOf(p, property.timezone);
        // A floating plan's series runs from its next due time: one interval after the last completion.
        if (s.mode === 'floating') s = { ...s, anchorMs: nextDue(s, completions.get(p.id)?.getTime() ?? null, bounds.fromMs) };
        const dues = occurrences(s, bounds.fromMs, bounds.toMs, defaultOccurrenceLimit + 1);
        const shown = dues.slice(0, defaultOccurrenceLimit);
        for (const due of shown) {
          const w = taskWindow(due, { opensBefore: p.opensBefore, overdueAfter: p.overdueAfter });
          items.push({
            planId: p.id,
            planName: p.name,
            equipmentId: p.equipmentId,
            equipmentCode: p.equipmentId ? (codes.get(p.equipmentId) ?? null) : null,
            equipmentKind: p.equipmentKind as EquipmentKind,
            templateCode: p.templateCode,
            nominalDue: iso(due),
            opensAt: iso(w.opensAtMs),
            overdueAt: iso(w.overdueAtMs),
          });
        }
        return {
          id: p.id,
          name: p.name,
          equipmentId: p.equipmentId,
          equipmentKind: p.equipmentKind as EquipmentKind,
          occurrences: shown.length,
          truncated: dues.length > shown.length,
          forecast: s.mode === 'floating',
        };
      });
      items.sort((a, b) => a.nominalDue.localeCompare(b.nominalDue) || a.planName.localeCompare(b.planName));
      return { propertyId, year, timeZone: property.timezone, plans: planSummaries, items };
    },
  );

  app.get(
    '/maintenance/compliance',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Scheduled, on time, late, missed and skipped tasks of a month, per equipment kind; compliance = on time ÷ scheduled',
        querystring: complianceQuery,
        response: { 200: complianceSchema, ...commonErrors },
      },
    },
    async (req) => {
      const { propertyId, month } = req.query;
      const property = await propertyFor(req, db, propertyId);
      const bounds = monthBounds(month, property.timezone);
      const rows = await taskOutcomes(db, propertyId, new Date(bounds.startMs), new Date(bounds.endMs));
      const kinds = [...new Set(rows.map((r) => r.kind))].sort();
      return {
        propertyId,
        month,
        timeZone: property.timezone,
        total: tally(rows),
        perKind: kinds.map((kind) => ({ kind: kind as EquipmentKind, ...tally(rows.filter((r) => r.kind === kind)) })),
      };
    },
  );
};
