/**
 * Demo preventive maintenance: default checklist templates (marked `isDefault`, editable
 * like any other), equipment at the demo property, and the annual plan built from them.
 * Frequencies follow the norms in shared/PROCESSES.md §D: elevators every 15 days plus
 * quarterly, half-yearly and yearly items (TSG T5002), monthly fire inspections and a yearly
 * full test of the fire facilities (消防法 art. 16, 公安部令第61号 art. 26); pump, generator and
 * water-tank figures are common practice, our defaults.
 */
import type { ChecklistItem, EquipmentKind } from '../domain/maintenance.js';
import type { Actor } from '../domain/roles.js';
import type { Db } from './index.js';
import { createEquipment, getTemplate, listEquipment, listPlans, createPlan, putTemplate, type NewEquipment, type NewPlan } from './maintenance.js';

const check = (key: string, label: string, required = true): ChecklistItem => ({ key, label, type: 'pass_fail', required });
const reading = (key: string, label: string, unit: string, min?: number, max?: number): ChecklistItem => ({
  key,
  label,
  type: 'reading',
  required: true,
  unit,
  ...(min !== undefined ? { min } : {}),
  ...(max !== undefined ? { max } : {}),
});
const photo = (key: string, label: string): ChecklistItem => ({ key, label, type: 'photo', required: true });
const note = (key: string, label: string): ChecklistItem => ({ key, label, type: 'text', required: false });

/** The default templates: code → name, kind, items. */
export const defaultTemplates: Record<string, { name: string; equipmentKind: EquipmentKind; items: ChecklistItem[] }> = {
  'elevator-half-monthly': {
    name: '电梯半月维护保养 Elevator half-monthly maintenance',
    equipmentKind: 'elevator',
    items: [
      check('machine-room', '机房、滑轮间环境清洁，门窗完好，照明正常 Machine room clean, doors and lighting in order'),
      check('brake', '制动器各销轴部位润滑，动作灵活，制动间隙合适 Brake pins lubricated, brake acts freely'),
      reading('brake-gap', '制动衬与制动轮间隙 Brake lining clearance', 'mm', 0, 0.7),
      check('door-lock', '层门、轿门门锁电气触点清洁，触点接触良好 Landing and car door lock contacts clean and closing'),
      check('door-lock-engagement', '层门门锁自动复位，锁紧元件啮合长度不小于7 mm Door locks self-close, engagement ≥ 7 mm'),
      check('emergency-call', '轿厢紧急报警装置（五方通话）正常 Emergency call (five-way intercom) works'),
      reading('levelling', '平层准确度 Levelling accuracy', 'mm', -10, 10),
      check('car-light-fan', '轿厢照明、风扇、应急照明正常 Car lighting, fan and emergency light work'),
      check('pit', '底坑环境清洁，无渗水、积水，急停开关有效 Pit clean and dry, stop switch works'),
      photo('record', '维保记录签字照片 Signed maintenance record'),
      note('remarks', '其他发现 Other findings'),
    ],
  },
  'elevator-quarterly': {
    name: '电梯季度维护保养 Elevator quarterly maintenance',
    equipmentKind: 'elevator',
    items: [
      check('traction-sheave', '曳引轮槽、悬挂装置磨损量不超过要求 Traction sheave grooves and suspension within wear limits'),
      check('gearbox-oil', '减速机润滑油油量适宜，无渗漏 Gearbox oil level right, no leaks'),
      check('guide-shoes', '靴衬、滚轮清洁，磨损量不超过要求 Guide shoes and rollers clean, within wear limits'),
      check('landing-door-guide', '层门、轿门门导靴磨损量不超过要求 Door guide shoes within wear limits'),
      check('buffer', '耗能缓冲器电气安全装置功能有效，油量适宜 Buffer switch works, oil level right'),
      reading('motor-temperature', '曳引机运行温度 Traction machine temperature', '°C', undefined, 80),
      photo('record', '维保记录签字照片 Signed maintenance record'),
    ],
  },
  'elevator-half-yearly': {
    name: '电梯半年维护保养 Elevator half-yearly maintenance',
    equipmentKind: 'elevator',
    items: [
      check('rope-tension', '曳引绳张力均匀 Hoist rope tension equal'),
      check('governor', '限速器各销轴部位润滑，转动灵活，电气开关正常 Governor lubricated, turns freely, switch works'),
      check('safety-gear-linkage', '安全钳钳座固定，无松动 Safety gear mounting secure'),
      check('rail-fixing', '导轨支架、压板紧固 Guide rail brackets and clips tight'),
      reading('insulation', '动力电路绝缘电阻 Power circuit insulation resistance', 'MΩ', 0.5),
      photo('record', '维保记录签字照片 Signed maintenance record'),
    ],
  },
  'elevator-yearly': {
    name: '电梯年度维护保养 Elevator yearly maintenance',
    equipmentKind: 'elevator',
    items: [
      check('brake-125', '125%额定载重量制动试验 Brake test at 125 % rated load'),
      check('safety-gear-test', '轿厢限速器安全钳联动试验 Car governor and safety gear test'),
      reading('governor-trip', '限速器动作速度 Governor tripping speed', 'm/s', 1.15, 1.4),
      check('overload', '轿厢称重（超载）装置准确有效 Load weighing (overload) device works'),
      check('ucmp', '上行超速保护、轿厢意外移动保护有效 Ascending overspeed and unintended movement protection work'),
      reading('insulation', '动力电路绝缘电阻 Power circuit insulation resistance', 'MΩ', 0.5),
      photo('record', '年度自检报告照片 Yearly self-inspection report'),
    ],
  },
  'fire-monthly-inspection': {
    name: '消防设施月度检查 Monthly fire-system inspection',
    equipmentKind: 'fire_alarm',
    items: [
      check('controller-self-test', '火灾报警控制器自检、消音、复位功能正常 Fire alarm panel self-test, silence and reset work'),
      check('detectors', '抽查探测器报警功能 Sample detectors raise an alarm'),
      check('call-points', '手动报警按钮完好 Manual call points intact'),
      check('fire-doors', '常闭防火门关闭，闭门器有效 Fire doors closed, closers work'),
      check('exit-lights', '疏散指示标志、应急照明完好 Exit signs and emergency lighting work'),
      reading('sprinkler-end-pressure', '末端试水装置压力 Sprinkler end-of-line test pressure', 'MPa', 0.05, 1.2),
      reading('hydrant-pressure', '室内消火栓栓口静压 Indoor hydrant static pressure', 'MPa', 0.1, 1.0),
      check('extinguishers', '灭火器压力指针在绿区，在有效期内 Extinguisher gauges in the green, within date'),
      photo('record', '检查记录照片 Inspection record'),
    ],
  },
  'fire-yearly-full-test': {
    name: '消防设施年度全面检测 Yearly full test of the fire facilities',
    equipmentKind: 'fire_alarm',
    items: [
      check('linkage', '火灾自动报警系统联动功能试验 Fire alarm linkage test (fans, dampers, shutters, elevators recalled)'),
      check('fire-pump-start', '消防水泵自动、手动启动 Fire pumps start automatically and by hand'),
      check('alarm-valve', '湿式报警阀组放水试验，水力警铃动作 Alarm valve test, water gong sounds'),
      check('smoke-control', '防排烟风机启动，风口开启 Smoke control fans start, vents open'),
      check('broadcast', '应急广播、消防电话通话正常 Evacuation broadcast and fire telephones work'),
      reading('fire-pump-pressure', '消防水泵出口压力 Fire pump outlet pressure', 'MPa', 0.3, 1.6),
      photo('report', '具有资质的检测机构报告 Report of the licensed testing body'),
    ],
  },
  'pump-monthly': {
    name: '生活水泵月度检查 Monthly water pump check',
    equipmentKind: 'water_pump',
    items: [
      reading('outlet-pressure', '水泵出口压力 Outlet pressure', 'MPa', 0.25, 0.6),
      reading('bearing-temperature', '轴承温度 Bearing temperature', '°C', undefined, 75),
      reading('motor-current', '电机运行电流 Motor current', 'A', 0, 30),
      check('vibration-noise', '运行平稳，无异常振动和噪声 Runs smoothly, no abnormal vibration or noise'),
      check('seal', '机械密封无渗漏 No leak at the mechanical seal'),
      check('switchover', '主备泵自动切换正常 Duty/standby switchover works'),
      photo('record', '检查记录照片 Inspection record'),
    ],
  },
  'generator-monthly-run': {
    name: '柴油发电机月度试运行 Monthly generator test run',
    equipmentKind: 'generator',
    items: [
      reading('start-time', '自启动时间 Start time', 's', 0, 15),
      reading('voltage', '空载输出电压 No-load output voltage', 'V', 380, 420),
      reading('frequency', '输出频率 Output frequency', 'Hz', 49.5, 50.5),
      reading('battery-voltage', '启动蓄电池电压 Starter battery voltage', 'V', 24, 28.8),
      reading('fuel-level', '燃油储量 Fuel level', '%', 50, 100),
      check('oil-coolant', '机油、冷却液液位正常，无渗漏 Oil and coolant levels right, no leaks'),
      check('run-15-min', '空载运行15分钟无异常 Ran 15 minutes without fault'),
      photo('record', '试运行记录照片 Test run record'),
    ],
  },
  'water-tank-cleaning': {
    name: '二次供水水箱清洗消毒 Water tank cleaning and disinfection',
    equipmentKind: 'water_tank',
    items: [
      check('drain-clean', '排空、清除沉积物，内壁清洗 Drained, sediment removed, walls cleaned'),
      check('disinfect', '消毒后冲洗 Disinfected and rinsed'),
      reading('residual-chlorine', '余氯 Residual chlorine', 'mg/L', 0.05, 2),
      reading('turbidity', '浑浊度 Turbidity', 'NTU', 0, 1),
      check('cover-vent', '人孔加锁，通气孔防虫网完好 Manhole locked, vent screens intact'),
      photo('water-report', '水质检测报告 Water quality report'),
    ],
  },
};

/** The demo property's equipment. The contractor phones are made-up demo numbers. */
export const demoEquipment: NewEquipment[] = [
  { kind: 'elevator', code: 'EL-1-A', location: 'Building 1', make: '上海三菱 Shanghai Mitsubishi', model: 'LEHY-III', installedOn: '2016-05-20', contractor: { name: '上海三菱电梯维保站 Mitsubishi service', contact: '维保组长 Team lead Xu', phone: '13900000011' } },
  { kind: 'elevator', code: 'EL-2-A', location: 'Building 2', make: '奥的斯 Otis', model: 'GeN2', installedOn: '2018-09-03', contractor: { name: '奥的斯电梯维保 Otis service', contact: '工程师 Engineer Pan', phone: '13900000012' } },
  { kind: 'fire_alarm', code: 'FA-CTRL', location: '消防控制室 Fire control room', make: '海湾 GST', model: 'GST5000', installedOn: '2016-04-01' },
  { kind: 'water_pump', code: 'PUMP-1', location: '地下泵房 Basement pump room', make: '格兰富 Grundfos', model: 'CR 32-4', installedOn: '2016-03-15' },
  { kind: 'generator', code: 'GEN-1', location: '发电机房 Generator room', make: '康明斯 Cummins', model: 'C500D5', installedOn: '2016-03-30' },
  { kind: 'water_tank', code: 'TANK-1', location: 'Building 1 roof', make: '不锈钢组合水箱 Stainless sectional tank', installedOn: '2016-03-10' },
];

const anchor = new Date('2026-01-05T01:00:00Z'); // 09:00 Shanghai on the first Monday of 2026
const window = (opensBefore: string, overdueAfter: string) => ({ opensBefore, overdueAfter });

/** The annual plan: by kind where every piece gets the same care, by piece otherwise. */
function demoPlans(equipmentIds: Map<string, string>): NewPlan[] {
  const base = { mode: 'fixed', anchor, templateVersion: null, catchUp: 'all', equipmentId: null } as const;
  const byCode = (code: string) => equipmentIds.get(code) ?? null;
  return [
    { ...base, name: '电梯半月保养 Elevators every 15 days', equipmentKind: 'elevator', every: 15, unit: 'days', ...window('P2D', 'P1D'), assignee: { contractor: true }, templateCode: 'elevator-half-monthly', outOfServiceOnDefect: true },
    { ...base, name: '电梯季度保养 Elevators quarterly', equipmentKind: 'elevator', every: 3, unit: 'months', ...window('P7D', 'P3D'), assignee: { contractor: true }, templateCode: 'elevator-quarterly', outOfServiceOnDefect: true },
    { ...base, name: '电梯半年保养 Elevators half-yearly', equipmentKind: 'elevator', every: 6, unit: 'months', ...window('P7D', 'P3D'), assignee: { contractor: true }, templateCode: 'elevator-half-yearly', outOfServiceOnDefect: true },
    { ...base, name: '电梯年度保养 Elevators yearly', equipmentKind: 'elevator', every: 12, unit: 'months', ...window('P14D', 'P7D'), assignee: { contractor: true }, templateCode: 'elevator-yearly', outOfServiceOnDefect: true },
    { ...base, name: '消防月度检查 Fire systems monthly', equipmentKind: 'fire_alarm', every: 1, unit: 'months', ...window('P3D', 'P2D'), assignee: { department: 'engineering' }, templateCode: 'fire-monthly-inspection', outOfServiceOnDefect: false },
    { ...base, name: '消防年度检测 Fire facilities full test', equipmentKind: 'fire_alarm', every: 12, unit: 'months', ...window('P30D', 'P7D'), assignee: { department: 'engineering' }, templateCode: 'fire-yearly-full-test', outOfServiceOnDefect: false },
    { ...base, name: '水泵月检 Pump check', equipmentId: byCode('PUMP-1'), equipmentKind: 'water_pump', every: 1, unit: 'months', ...window('P3D', 'P2D'), assignee: { department: 'engineering' }, templateCode: 'pump-monthly', outOfServiceOnDefect: false },
    { ...base, name: '发电机月度试运行 Generator test run', equipmentId: byCode('GEN-1'), equipmentKind: 'generator', every: 1, unit: 'months', ...window('P3D', 'P2D'), assignee: { department: 'engineering' }, templateCode: 'generator-monthly-run', outOfServiceOnDefect: false },
    { ...base, name: '水箱清洗 Water tank cleaning', equipmentId: byCode('TANK-1'), equipmentKind: 'water_tank', every: 6, unit: 'months', ...window('P14D', 'P7D'), assignee: { department: 'engineering' }, templateCode: 'water-tank-cleaning', outOfServiceOnDefect: true },
  ];
}

/**
 * Add what the property lacks of the demo maintenance data: missing default templates,
 * missing equipment (by code), and the annual plan when the property has no plan yet.
 * Returns whether anything was written.
 */
export async function seedMaintenance(db: Db, propertyId: string, actor: Actor): Promise<boolean> {
  let wrote = false;
  for (const [code, t] of Object.entries(defaultTemplates)) {
    if (await getTemplate(db, propertyId, code)) continue;
    await putTemplate(db, propertyId, code, { ...t, isDefault: true }, actor);
    wrote = true;
  }
  for (const item of demoEquipment) wrote = (await createEquipment(db, propertyId, item, actor)) !== undefined || wrote;
  if ((await listPlans(db, { propertyId, limit: 1 })).items.length === 0) {
    const registered = await listEquipment(db, { propertyId, limit: 200 });
    const ids = new Map(registered.items.map((e) => [e.code, e.id]));
    for (const plan of demoPlans(ids)) await createPlan(db, propertyId, plan, actor);
    wrote = true;
  }
  return wrote;
}
