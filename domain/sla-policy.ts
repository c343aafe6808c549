/** An SLA policy resolved to milliseconds: what a process starts its clocks from. */
import { parseIsoDuration } from './durations.js';
import type { Role } from './roles.js';

export interface SlaPolicySnapshot {
  version: number;
  departmentCode: string;
  respondMs: number;
  arriveMs: number | null;
  completeMs: number;
  revisitMs: number;
  emergencyRespondMs: number;
  warnRatio: number;
  escalation: { level: number; afterMs: number; role: Role }[];
  rectificationEscalateAfter: number;
}

/** The stored form of a policy (ISO 8601 durations), as the database holds it. */
export interface StoredSlaPolicy {
  version: number;
  departmentCode: string;
  respond: string;
  arrive: string | null;
  complete: string;
  revisit: string;
  emergencyRespond: string;
  warnRatio: number;
  escalation: { level: number; after: string; role: string }[];
  rectificationEscalateAfter: number;
}

/** Resolve a stored policy's durations to milliseconds. */
export function toPolicySnapshot(p: StoredSlaPolicy): SlaPolicySnapshot {
  return {
    version: p.version,
    departmentCode: p.departmentCode,
    respondMs: parseIsoDuration(p.respond),
    arriveMs: p.arrive === null ? null : parseIsoDuration(p.arrive),
    completeMs: parseIsoDuration(p.complete),
    revisitMs: parseIsoDuration(p.revisit),
    emergencyRespondMs: parseIsoDuration(p.emergencyRespond),
    warnRatio: p.warnRatio,
    escalation: p.escalation.map((r) => ({ level: r.level, afterMs: parseIsoDuration(r.after), role: r.role as Role })),
    rectificationEscalateAfter: p.rectificationEscalateAfter,
  };
}
