/** Hazard policies per property and severity: the rectification deadline and escalation chain every new hazard starts from. */
import { getHazardPolicy, listHazardPolicies, putHazardPolicy } from '../../db/reference.js';
import { hazardSeverities, type HazardSeverity } from '../../workflows/hazard.contract.js';
import { policyRoutes } from '../policy-routes.js';
import { hazardPolicy, hazardPolicyBody, hazardPolicyParams } from './schemas.js';

// Rows are keyed by a validated severity, so the stored text is always one of them.
const severityOf = (s: string) => s as HazardSeverity;
const rank = (s: string) => hazardSeverities.indexOf(severityOf(s));

export const hazardPolicyRoutes = policyRoutes({
  tag: 'hazard-policies',
  key: 'severity',
  params: hazardPolicyParams,
  body: hazardPolicyBody,
  policy: hazardPolicy,
  summaries: {
    put: 'Create or replace the hazard policy of a severity (applies to hazards raised from now on)',
    list: 'Every hazard policy of a property, general first',
  },
  noun: 'hazard policies',
  missing: (severity) => `hazard policy for ${severity} hazards`,
  put: putHazardPolicy,
  list: listHazardPolicies,
  get: getHazardPolicy,
  present: (row) => ({ ...row, severity: severityOf(row.severity) }),
  order: (a, b) => rank(a.severity) - rank(b.severity),
});
