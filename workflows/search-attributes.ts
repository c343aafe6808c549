/**
 * Custom search attributes, upserted on every transition so auditors can find processes
 * in the Temporal UI and CLI too. The dev server registers them at start (scripts/start.ts,
 * the test harness), docker-compose through the admin tools.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const propertyIdKey = defineSearchAttributeKey('PropertyId', SearchAttributeType.KEYWORD);
export const processStatusKey = defineSearchAttributeKey('ProcessStatus', SearchAttributeType.KEYWORD);
export const categoryKey = defineSearchAttributeKey('Category', SearchAttributeType.KEYWORD);
export const assigneeKey = defineSearchAttributeKey('Assignee', SearchAttributeType.KEYWORD);

/** `--search-attribute` arguments for `temporal server start-dev`. */
export const devServerSearchAttributes = [propertyIdKey, processStatusKey, categoryKey, assigneeKey].map(
  (k) => `${k.name}=Keyword`,
);
