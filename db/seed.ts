/**
 * Demo data for `npm start`: one property with buildings, units and owners, staff in
 * every role, SLA and complaint policies from the figures of shared/DOMAIN.md, and its
 * equipment, default checklist templates and maintenance plans (seed-maintenance.ts), and
 * an emergency plan per incident type with its duty roster (seed-emergency.ts).
 * Idempotent: an existing demo property only gains what it lacks (complaint policies and
 * maintenance came later than the rest).
 */
import type { WorkOrderCategory } from '../domain/categories.js';
import type { Actor, Role } from '../domain/roles.js';
import type { ComplaintPriority } from '../workflows/complaint.contract.js';
import type { Db } from './index.js';
import {
  addStaff,
  createBuilding,
  createProperty,
  createUnit,
  getProperty,
  listComplaintPolicies,
  putComplaintPolicy,
  putSlaPolicy,
  type ComplaintPolicyInput,
  type NewStaff,
  type SlaPolicyInput,
} from './reference.js';
import { seedHazardPolicies } from './hazards.js';
import { seedEmergency } from './seed-emergency.js';
import { seedMaintenance } from './seed-maintenance.js';
import { seedPatrols } from './seed-patrols.js';

export const demoPropertyId = 'harbour-view';

const seeder: Actor = { id: 'system:seed', role: 'admin', name: 'demo seed' };

/** The demo staff: one or more of every role. Usernames are what `npm run token` takes. */
export const demoStaff: (NewStaff & { role: Role })[] = [
  { username: 'admin', name: 'System administrator', role: 'admin' },
  { username: 'director.wu', name: '吴总 Wu (general manager)', role: 'director', department: 'management' },
  { username: 'manager.zhou', name: '周经理 Zhou (project manager)', role: 'manager', department: 'management' },
  { username: 'dispatcher.zhang', name: '张主管 Zhang (site supervisor)', role: 'dispatcher', department: 'engineering' },
  { username: 'frontdesk.li', name: '李 Li (front desk)', role: 'front_desk', department: 'customer_service' },
  { username: 'concierge.wang', name: '王 Wang (concierge)', role: 'concierge', department: 'customer_service' },
  { username: 'tech.chen', name: '陈师傅 Chen (technician)', role: 'technician', department: 'engineering', zones: ['Building 1'] },
  { username: 'tech.liu', name: '刘师傅 Liu (technician)', role: 'technician', department: 'engineering', zones: ['Building 2'] },
  { username: 'security.zhao', name: '赵 Zhao (security)', role: 'security', department: 'security' },
  { username: 'cleaner.sun', name: '孙 Sun (cleaning)', role: 'cleaning', department: 'cleaning' },
  { username: 'gardener.he', name: '何 He (landscaping)', role: 'cleaning', department: 'landscaping' },
  { username: 'auditor.qian', name: '钱 Qian (quality inspector)', role: 'auditor' },
];

const chain = (level2: string, level3: string) => [
  { level: 1, after: 'PT0S', role: 'dispatcher' },
  { level: 2, after: level2, role: 'manager' },
  { level: 3, after: level3, role: 'director' },
];

/**
 * Seeded SLA policies. (S) figures from the manuals: first response within 24 h for any
 * request, 1 h for water and electricity, on site within 2 h for elevators, 30 min for
 * any emergency. Completion targets and the 48 h revisit are our defaults.
 */
export const demoPolicies: Record<WorkOrderCategory, SlaPolicyInput> = {
  water: { department: 'engineering', respond: 'PT1H', arrive: 'PT4H', complete: 'PT24H', revisit: 'PT48H', escalation: chain('PT30M', 'PT2H') },
  electricity: { department: 'engineering', respond: 'PT1H', arrive: 'PT4H', complete: 'PT24H', revisit: 'PT48H', escalation: chain('PT30M', 'PT2H') },
  elevator: { department: 'engineering', respond: 'PT1H', arrive: 'PT2H', complete: 'PT24H', revisit: 'PT48H', escalation: chain('PT30M', 'PT2H') },
  gas: { department: 'engineering', respond: 'PT30M', arrive: 'PT1H', complete: 'PT12H', revisit: 'PT48H', escalation: chain('PT15M', 'PT1H') },
  hvac: { department: 'engineering', respond: 'PT24H', complete: 'P3D', revisit: 'PT48H', escalation: chain('PT4H', 'P1D') },
  fire_safety: { department: 'engineering', respond: 'PT1H', arrive: 'PT2H', complete: 'PT24H', revisit: 'PT48H', escalation: chain('PT30M', 'PT2H') },
  doors_windows: { department: 'engineering', respond: 'PT24H', complete: 'P3D', revisit: 'PT48H', escalation: chain('PT4H', 'P1D') },
  building_fabric: { department: 'engineering', respond: 'PT24H', complete: 'P7D', revisit: 'PT48H', escalation: chain('PT4H', 'P1D') },
  public_area: { department: 'engineering', respond: 'PT24H', complete: 'P3D', revisit: 'PT48H', escalation: chain('PT4H', 'P1D') },
  cleaning: { department: 'cleaning', respond: 'PT24H', complete: 'PT24H', revisit: 'PT48H', escalation: chain('PT4H', 'P1D') },
  landscaping: { department: 'landscaping', respond: 'PT24H', complete: 'P3D', revisit: 'PT48H', escalation: chain('PT4H', 'P1D') },
  security: { department: 'security', respond: 'PT1H', complete: 'PT24H', revisit: 'PT48H', escalation: chain('PT30M', 'PT2H') },
  other: { department: 'customer_service', respond: 'PT24H', complete: 'P3D', revisit: 'PT48H', escalation: chain('PT4H', 'P1D') },
};

/**
 * Seeded complaint policies. (S) any complaint gets a first answer within 24 h (the
 * concierge's 24 h feedback rule); the shorter windows for high and urgent priorities, the
 * resolve targets and the revisit windows are our defaults.
 */
export const demoComplaintPolicies: Record<ComplaintPriority, ComplaintPolicyInput> = {
  low: { respond: 'PT24H', resolve: 'P7D', revisit: 'PT48H', escalation: chain('PT8H', 'P2D') },
  normal: { respond: 'PT24H', resolve: 'P3D', revisit: 'PT48H', escalation: chain('PT4H', 'P1D') },
  high: { respond: 'PT4H', resolve: 'PT24H', revisit: 'PT24H', escalation: chain('PT2H', 'PT8H') },
  urgent: { respond: 'PT1H', resolve: 'PT8H', revisit: 'PT24H', escalation: chain('PT30M', 'PT2H') },
};

/** Add the demo complaint policies the property lacks; a policy someone changed is left as it is. */
async function seedComplaintPolicies(db: Db): Promise<boolean> {
  const present = new Set((await listComplaintPolicies(db, demoPropertyId)).map((p) => p.priority));
  const missing = Object.entries(demoComplaintPolicies).filter(([priority]) => !present.has(priority));
  for (const [priority, policy] of missing) await putComplaintPolicy(db, demoPropertyId, priority, policy, seeder);
  return missing.length > 0;
}

/** Seed the demo property, or what an earlier seed of it lacks. Returns whether anything was written. */
export async function seedDemo(db: Db): Promise<boolean> {
  if (await getProperty(db, demoPropertyId)) {
    const policies = await seedComplaintPolicies(db);
    const maintenance = await seedMaintenance(db, demoPropertyId, seeder);
    const emergency = await seedEmergency(db, demoPropertyId, seeder);
    const hazards = await seedHazardPolicies(db, demoPropertyId, seeder);
    const patrols = await seedPatrols(db, demoPropertyId, seeder);
    return policies || maintenance || hazards || patrols || emergency;
  }
  await createProperty(db, { id: demoPropertyId, name: '海景花园 Harbour View Gardens', kind: 'residential', address: '1 Harbour Road', timezone: 'Asia/Shanghai' }, seeder);
  const b1 = await createBuilding(db, demoPropertyId, 'Building 1', seeder);
  const b2 = await createBuilding(db, demoPropertyId, 'Building 2', seeder);
  const units: [string | undefined, string, string, string][] = [
    [b1?.id, '1-101', 'Owner Huang', '13800000101'],
    [b1?.id, '1-102', 'Owner Lin', '13800000102'],
    [b1?.id, '1-1502', 'Owner Guo', '13800001502'],
    [b2?.id, '2-201', 'Owner Ma', '13800000201'],
    [b2?.id, '2-808', 'Owner Luo', '13800000808'],
  ];
  for (const [buildingId, code, owner, phone] of units) {
    await createUnit(db, demoPropertyId, { code, buildingId, floor: code.split('-')[1]?.slice(0, -2), owners: [{ name: owner, phone, primary: true }] }, seeder);
  }
  for (const member of demoStaff) await addStaff(db, demoPropertyId, member, seeder);
  for (const [category, policy] of Object.entries(demoPolicies)) await putSlaPolicy(db, demoPropertyId, category, policy, seeder);
  await seedComplaintPolicies(db);
  await seedMaintenance(db, demoPropertyId, seeder);
  await seedHazardPolicies(db, demoPropertyId, seeder);
  await seedPatrols(db, demoPropertyId, seeder);
  await seedEmergency(db, demoPropertyId, seeder);
  return true;
}
