/** Repair / service request categories; each property's SLA policy per category names the handling department. */
export const workOrderCategories = [
  'water',
  'electricity',
  'elevator',
  'gas',
  'hvac',
  'fire_safety',
  'doors_windows',
  'building_fabric',
  'public_area',
  'cleaning',
  'landscaping',
  'security',
  'other',
] as const;
export type WorkOrderCategory = (typeof workOrderCategories)[number];

/** Departments a property is organised into (shared/DOMAIN.md). */
export const departmentCodes = [
  'customer_service',
  'engineering',
  'security',
  'cleaning',
  'landscaping',
  'management',
] as const;
export type DepartmentCode = (typeof departmentCodes)[number];

/** Kinds of property one deployment serves. */
export const propertyKinds = ['residential', 'office', 'mall', 'mixed'] as const;
