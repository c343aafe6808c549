/** SLA policies per property and category: the figures every clock of a new process starts from. */
import { getSlaPolicy, listSlaPolicies, putSlaPolicy } from '../../db/reference.js';
import { policyRoutes } from '../policy-routes.js';
import { slaPolicy, slaPolicyBody, slaPolicyParams } from './schemas.js';

export const slaPolicyRoutes = policyRoutes({
  tag: 'sla-policies',
  key: 'category',
  params: slaPolicyParams,
  body: slaPolicyBody,
  policy: slaPolicy,
  summaries: { put: 'Create or replace the SLA policy of a category (applies to clocks started from now on)' },
  noun: 'SLA policies',
  missing: (category) => `SLA policy for ${category}`,
  put: putSlaPolicy,
  list: listSlaPolicies,
  get: getSlaPolicy,
  present: (row) => row,
});
