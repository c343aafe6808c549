/** What the bench reads about processes from /proc: CPU time and resident memory. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Measured } from './stack.js';

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds a process has used, with its reaped children (PostgreSQL backends that have exited). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
    return (utime + stime + cutime + cstime) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** Resident set size of a process in MiB (VmRSS), or undefined when it is gone. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by each measured process group and by the bench itself. */
export type CpuSnapshot = Record<string, number>;

/** Read the CPU time of every process of the stack and of this bench process. */
export function cpuSnapshot(measured: Measured[]): CpuSnapshot {
  const snapshot: CpuSnapshot = {};
  for (const m of measured) snapshot[m.name] = m.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const own = process.cpuUsage();
  snapshot.bench = (own.user + own.system) / 1e6;
  return snapshot;
}

/** CPU seconds each process used between two snapshots, rounded to 10 ms, busiest first. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const entries = Object.entries(after).map(([name, v]) => [name, Math.round((v - (before[name] ?? 0)) * 100) / 100] as const);
  return Object.fromEntries(entries.filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]));
}
