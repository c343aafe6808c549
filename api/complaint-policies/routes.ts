/** Complaint policies per property and priority: the windows and escalation chain every new complaint clock starts from. */
import { getComplaintPolicy, listComplaintPolicies, putComplaintPolicy } from '../../db/reference.js';
import { complaintPriorities, type ComplaintPriority } from '../../workflows/complaint.contract.js';
import { policyRoutes } from '../policy-routes.js';
import { complaintPolicy, complaintPolicyBody, complaintPolicyParams } from './schemas.js';

// Rows are keyed by a validated priority, so the stored text is always one of them.
const priorityOf = (p: string) => p as ComplaintPriority;
const rank = (p: string) => complaintPriorities.indexOf(priorityOf(p));

export const complaintPolicyRoutes = policyRoutes({
  tag: 'complaint-policies',
  key: 'priority',
  params: complaintPolicyParams,
  body: complaintPolicyBody,
  policy: complaintPolicy,
  summaries: {
    put: 'Create or replace the complaint policy of a priority (applies to clocks started from now on)',
    list: 'Every complaint policy of a property, lowest priority first',
  },
  noun: 'complaint policies',
  missing: (priority) => `complaint policy for ${priority} priority`,
  put: putComplaintPolicy,
  list: listComplaintPolicies,
  get: getComplaintPolicy,
  present: (row) => ({ ...row, priority: priorityOf(row.priority) }),
  order: (a, b) => rank(a.priority) - rank(b.priority),
});
