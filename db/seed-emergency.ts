/**
 * Demo emergency plans (应急预案): one plan per incident type at the demo property, and the
 * duty roster that fills each role of the response organisation. Figures from the seeds
 * (001): every role responds within 30 minutes, owners are told first, temporary support
 * for those affected, a review afterwards. Step deadlines, escalation spacing, update
 * cadence and the review window are our defaults (PagerDuty's 3-day review for major
 * incidents, shared/PROCESSES.md). Drill schedules from seed 001: a fire drill every six
 * months and a network-security drill every quarter, each to be held within 30 days.
 * Idempotent: a plan, roster or schedule that exists is left alone.
 */
import type { IncidentType, PlanContent, PlanStepDef, ResponseRole } from '../domain/emergency.js';
import type { Actor } from '../domain/roles.js';
import { addPlanVersion, dutyRoster, listEmergencyPlans, setDuty } from './emergency.js';
import { DateTime } from 'luxon';
import { createDrillSchedule, listDrillSchedules } from './drill-schedules.js';
import type { Db } from './index.js';
import { getProperty, listStaff } from './reference.js';

const step = (key: string, title: string, role: ResponseRole, deadline: string, o: { after?: string[]; optional?: boolean; when?: [string, string[]] } = {}): PlanStepDef => ({
  key,
  title,
  role,
  deadline,
  dependsOn: o.after ?? [],
  required: !o.optional,
  ...(o.when ? { condition: { attribute: o.when[0], in: o.when[1] } } : {}),
});

/** The response organisation of every demo plan: who fills each role, and the 30-minute acknowledgement (S). */
const organisation: PlanContent['roles'] = [
  { role: 'commander', staffRole: 'manager', ackWithin: 'PT30M' },
  { role: 'on_site_lead', staffRole: 'dispatcher', ackWithin: 'PT30M' },
  { role: 'engineering', staffRole: 'technician', ackWithin: 'PT30M' },
  { role: 'security', staffRole: 'security', ackWithin: 'PT30M' },
  { role: 'communications', staffRole: 'front_desk', ackWithin: 'PT30M' },
];

const cadence = { escalateEvery: 'PT15M', updateEvery: 'PT30M', reviewWithin: 'P3D', drillTarget: 'PT1H' };

const support = step('temporary-support', '受影响住户临时生活保障 Temporary living support for affected households', 'communications', 'PT4H', { optional: true });
const record = (after: string[]) => step('incident-record', '事件记录与损失登记 Record the incident and the damage', 'on_site_lead', 'PT8H', { after });

/** The demo plans: per type, its title, steps, disposal measures and resources. */
export const demoEmergencyPlans: Record<IncidentType, Omit<PlanContent, 'roles' | keyof typeof cadence>> = {
  fire: {
    title: '火灾应急预案 Fire',
    steps: [
      step('alarm-119', '报警119并确认火点 Call 119 and locate the fire', 'security', 'PT5M'),
      step('evacuate', '组织疏散，清点人数 Evacuate and count people', 'security', 'PT15M'),
      step('initial-attack', '初期火灾扑救 Initial fire attack with extinguishers and hydrants', 'engineering', 'PT10M'),
      step('isolate-utilities', '切断非消防电源与燃气 Cut non-fire power and gas', 'engineering', 'PT10M'),
      step('guide-brigade', '引导消防队到场 Meet and guide the fire brigade', 'on_site_lead', 'PT20M', { after: ['alarm-119'] }),
      step('notify-owners', '告知业主与住户 Tell owners and residents', 'communications', 'PT10M'),
      support,
      record(['evacuate', 'guide-brigade']),
    ],
    measures: ['先救人后救物 People before property', '关闭防火门，启动排烟 Close fire doors, start smoke extraction', '电梯停用，走楼梯 Elevators out of use, use the stairs'],
    resources: ['灭火器与消火栓 Extinguishers and hydrants', '消防控制室 Fire control room', '应急照明与疏散指示 Emergency lighting and exit signs', '急救箱 First-aid kits'],
  },
  power_cut: {
    title: '停电应急预案 Power cut',
    steps: [
      step('check-supply', '确认停电范围与原因 Find the extent and cause', 'engineering', 'PT15M'),
      step('start-generator', '启动备用发电机保障消防与电梯 Start the generator for fire systems and elevators', 'engineering', 'PT15M'),
      step('elevator-sweep', '巡查电梯是否困人 Check every elevator for trapped people', 'security', 'PT10M'),
      step('notify-owners', '告知业主预计恢复时间 Tell owners the expected restoration time', 'communications', 'PT15M'),
      step('contact-utility', '联系供电部门 Contact the power company', 'on_site_lead', 'PT30M', { after: ['check-supply'] }),
      support,
      record(['contact-utility']),
    ],
    measures: ['保障消防、电梯、排水用电 Keep fire, elevator and drainage power first', '加强夜间巡逻 More night patrols'],
    resources: ['备用发电机与燃油 Generator and fuel', '应急照明 Emergency lighting', '手电与对讲机 Torches and radios'],
  },
  water_cut: {
    title: '停水应急预案 Water cut',
    steps: [
      step('check-supply', '确认停水范围与原因 Find the extent and cause', 'engineering', 'PT15M'),
      step('notify-owners', '告知业主预计恢复时间 Tell owners the expected restoration time', 'communications', 'PT15M'),
      step('contact-utility', '联系供水部门 Contact the water company', 'on_site_lead', 'PT30M', { after: ['check-supply'] }),
      step('water-supply', '组织临时供水 Arrange temporary water', 'communications', 'PT2H', { optional: true }),
      record(['contact-utility']),
    ],
    measures: ['优先保障老人、病人住户 Elderly and sick residents first'],
    resources: ['桶装水 Bottled water', '水箱与水泵 Tanks and pumps'],
  },
  flood: {
    title: '水浸/爆管应急预案 Flood or burst pipe',
    steps: [
      step('shut-riser-valve', '关闭立管阀门 Shut the riser valve', 'engineering', 'PT15M', { when: ['cause', ['burst_pipe']] }),
      step('isolate-power', '切断受影响区域电源 Isolate power in the wet area', 'engineering', 'PT15M'),
      step('cordon', '设置警戒，防止滑倒 Cordon off the area', 'security', 'PT10M'),
      step('notify-owners', '告知受影响业主 Tell the affected owners', 'communications', 'PT10M'),
      step('pump-out', '排水与清理 Pump out and clean up', 'engineering', 'PT2H', { after: ['shut-riser-valve', 'isolate-power'] }),
      support,
      record(['pump-out']),
    ],
    measures: ['沙袋挡水，保护配电房与电梯井 Sandbags at the switch room and elevator pits', '受潮电器检测后方可通电 Test wet equipment before power returns'],
    resources: ['沙袋 Sandbags', '潜水泵 Submersible pumps', '阀门钥匙与管道维修件 Valve keys and pipe repair kits'],
  },
  severe_weather: {
    title: '台风暴雨等恶劣天气应急预案 Severe weather',
    steps: [
      step('secure-outdoor', '加固或收起室外物品 Secure or bring in outdoor objects', 'engineering', 'PT1H'),
      step('check-drains', '检查排水沟与地下车库 Check drains and the underground car park', 'engineering', 'PT1H'),
      step('notify-owners', '发布防范提醒 Warn owners', 'communications', 'PT30M'),
      step('patrol', '加强巡逻 Extra patrols', 'security', 'PT1H'),
      support,
      record(['secure-outdoor', 'check-drains']),
    ],
    measures: ['关闭天台与园林区 Close the roof and gardens', '值班人员24小时在岗 Duty staff on site 24 h'],
    resources: ['沙袋 Sandbags', '雨具与对讲机 Rain gear and radios', '潜水泵 Submersible pumps'],
  },
  epidemic: {
    title: '传染病疫情应急预案 Epidemic',
    steps: [
      step('report-health', '报告社区与卫生部门 Report to the community and health authority', 'on_site_lead', 'PT1H'),
      step('disinfect', '公共区域消毒 Disinfect common areas', 'engineering', 'PT2H'),
      step('access-control', '出入口管控与登记 Control and log entrances', 'security', 'PT1H'),
      step('notify-owners', '发布防控通知 Tell owners the measures', 'communications', 'PT1H'),
      support,
      record(['report-health', 'disinfect']),
    ],
    measures: ['按卫生部门要求执行 Follow the health authority', '工作人员佩戴防护用品 Staff wear protective equipment'],
    resources: ['消毒剂与喷雾器 Disinfectant and sprayers', '口罩与防护服 Masks and protective clothing', '体温计 Thermometers'],
  },
  elevator_entrapment: {
    title: '电梯困人应急预案 Elevator entrapment',
    steps: [
      step('comfort', '通过对讲安抚被困人员 Talk to the trapped people on the intercom', 'security', 'PT5M'),
      step('call-maintainer', '通知维保单位到场 Call the elevator maintainer', 'engineering', 'PT10M'),
      step('rescue', '专业人员盘车救援 Release by a qualified person', 'engineering', 'PT30M', { after: ['call-maintainer'] }),
      step('notify-owners', '告知本栋业主电梯停用 Tell the building the elevator is out of use', 'communications', 'PT30M'),
      record(['rescue']),
    ],
    measures: ['非专业人员不得强行扒门 Nobody unqualified forces the doors'],
    resources: ['电梯钥匙与盘车工具 Elevator keys and release tools', '维保单位电话 Maintainer contact'],
  },
  gas_leak: {
    title: '燃气泄漏应急预案 Gas leak',
    steps: [
      step('shut-gas', '关闭燃气总阀 Shut the main gas valve', 'engineering', 'PT10M'),
      step('ventilate-evacuate', '开窗通风，疏散人员，严禁明火与开关电器 Ventilate and evacuate; no flames, no switches', 'security', 'PT10M'),
      step('call-gas-company', '通知燃气公司 Call the gas company', 'on_site_lead', 'PT15M'),
      step('notify-owners', '告知受影响业主 Tell the affected owners', 'communications', 'PT15M'),
      record(['shut-gas', 'call-gas-company']),
    ],
    measures: ['现场禁止使用手机与对讲机 No phones or radios at the leak'],
    resources: ['燃气检测仪 Gas detector', '防爆工具 Non-sparking tools'],
  },
  security_incident: {
    title: '治安事件应急预案 Security incident',
    steps: [
      step('secure-scene', '控制现场，保护人员 Secure the scene and protect people', 'security', 'PT5M'),
      step('call-110', '报警110 Call the police', 'security', 'PT10M'),
      step('preserve-cctv', '保存监控录像 Preserve the CCTV footage', 'engineering', 'PT1H'),
      step('notify-owners', '告知业主注意安全 Tell owners to take care', 'communications', 'PT1H', { optional: true }),
      record(['call-110', 'preserve-cctv']),
    ],
    measures: ['不与嫌疑人正面冲突 No confrontation with suspects'],
    resources: ['监控系统 CCTV', '对讲机 Radios', '警戒带 Barrier tape'],
  },
  network_security: {
    title: '网络安全事件应急预案 Network security incident',
    steps: [
      step('isolate', '隔离受影响系统 Isolate the affected systems', 'engineering', 'PT30M'),
      step('assess', '评估影响与数据泄露 Assess the impact and any data leak', 'on_site_lead', 'PT2H', { after: ['isolate'] }),
      step('restore', '从备份恢复 Restore from backup', 'engineering', 'PT4H', { after: ['assess'] }),
      step('notify-owners', '必要时告知业主 Tell owners if their data is affected', 'communications', 'PT4H', { optional: true }),
      record(['restore']),
    ],
    measures: ['保留日志与证据 Keep logs and evidence'],
    resources: ['离线备份 Offline backups', '门禁与停车系统手动模式 Manual mode for access and parking systems'],
  },
};

/** The demo roster: who is on duty for each role, in paging order. */
export const demoDuty: Record<ResponseRole, string[]> = {
  commander: ['manager.zhou'],
  on_site_lead: ['dispatcher.zhang'],
  engineering: ['tech.chen', 'tech.liu'],
  security: ['security.zhao'],
  communications: ['frontdesk.li', 'concierge.wang'],
};

/** A demo plan's full content. */
export function demoPlanContent(type: IncidentType): PlanContent {
  return { ...demoEmergencyPlans[type], roles: organisation.map((r) => ({ ...r })), ...cadence };
}

/** The demo drill schedules (seed 001): type, months between drills. */
export const demoDrillSchedules: { incidentType: IncidentType; months: number }[] = [
  { incidentType: 'fire', months: 6 },
  { incidentType: 'network_security', months: 3 },
];

/** Add the schedules the property lacks, the first due at 10:00 on the first of next month. Returns whether it wrote any. */
async function seedDrillSchedules(db: Db, propertyId: string, seeder: Actor): Promise<boolean> {
  const present = new Set((await listDrillSchedules(db, propertyId)).map((d) => d.incidentType));
  const zone = (await getProperty(db, propertyId))?.timezone ?? 'Asia/Shanghai';
  const anchor = DateTime.now().setZone(zone).startOf('month').plus({ months: 1, hours: 10 }).toJSDate();
  const missing = demoDrillSchedules.filter((d) => !present.has(d.incidentType));
  for (const d of missing) await createDrillSchedule(db, propertyId, { incidentType: d.incidentType, every: d.months, unit: 'months', anchor, holdWithin: 'P30D' }, seeder);
  return missing.length > 0;
}

/** Add the plans, roster and drill schedules the property lacks. Returns whether anything was written. */
export async function seedEmergency(db: Db, propertyId: string, seeder: Actor): Promise<boolean> {
  let wrote = false;
  const present = new Set((await listEmergencyPlans(db, propertyId)).map((p) => p.incidentType));
  for (const type of Object.keys(demoEmergencyPlans) as IncidentType[]) {
    if (present.has(type)) continue;
    await addPlanVersion(db, propertyId, type, demoPlanContent(type), seeder, 'demo plan');
    wrote = true;
  }
  const roster = await dutyRoster(db, propertyId);
  const people = new Map((await listStaff(db, propertyId)).map((s) => [s.username, s.id]));
  for (const [role, usernames] of Object.entries(demoDuty) as [ResponseRole, string[]][]) {
    if (roster[role]?.length) continue;
    const ids = usernames.flatMap((u) => (people.has(u) ? [people.get(u)!] : []));
    if (!ids.length) continue;
    await setDuty(db, propertyId, role, ids, seeder);
    wrote = true;
  }
  return (await seedDrillSchedules(db, propertyId, seeder)) || wrote;
}
