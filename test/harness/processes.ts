/**
 * Helpers for tests of any process workflow: replay fixtures (finished histories committed
 * under test/fixtures/histories/<kind>/), polling for asynchronous effects, and the failure
 * an update's validator or handler answered with.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type QueryDefinition, type UpdateDefinition } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { StepOutcome } from '../../workflows/shared/steps.js';

export const fixturesRoot = path.resolve('test/fixtures/histories');

/**
 * Export a workflow's history as a replay fixture (the JSON of `temporal workflow show
 * --output json`) for the `kind` of process. Writes only when RECORD_FIXTURES=1, so a
 * normal run never rewrites committed fixtures.
 */
export async function saveFixture(handle: WorkflowHandle, kind: string, name: string): Promise<void> {
  if (!process.env.RECORD_FIXTURES) return;
  const history = await handle.fetchHistory();
  await mkdir(path.join(fixturesRoot, kind), { recursive: true });
  await writeFile(path.join(fixturesRoot, kind, `${name}.json`), `${historyToJSON(history)}\n`);
}

/** Poll `read` until `predicate` holds (activities run asynchronously to the test), for `withinMs` at most. */
export async function eventually<T>(
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  what: string,
  describe: (last: T | undefined) => string = () => '',
  withinMs = 5_000,
): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < withinMs / 25; i++) {
    last = await read();
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}${describe(last) ? `; ${describe(last)}` : ''}`);
}

/** The ApplicationFailure a failed update carries; throws if `update` did not fail that way. */
export async function updateFailure(update: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`expected the update to fail, got ${err === undefined ? 'success' : err instanceof Error ? err.message : 'a non-error'}`);
  if (!(err.cause instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${err.cause?.message ?? 'no cause'}`);
  return err.cause;
}

/**
 * Take a staff step and read the process back, as the API does: an update returns only a
 * small `StepOutcome`, the state comes from the query.
 */
export function stepThenRead<S>(query: QueryDefinition<S>) {
  return async <Args>(handle: WorkflowHandle, update: UpdateDefinition<StepOutcome, [Args]>, args: Args): Promise<S> => {
    await handle.executeUpdate(update, { args: [args] });
    return handle.query(query);
  };
}
