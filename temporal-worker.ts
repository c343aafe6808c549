/** The worker's connection to Temporal, as patient as the API's (temporal.ts). */
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { retry, security } from './temporal.js';

/** The worker's native connection, once the server answers. */
export async function connectWorker(cfg: Config['temporal'], logger: Logger): Promise<NativeConnection> {
  return retry('worker', cfg.address, logger, () => NativeConnection.connect({ address: cfg.address, ...security(cfg) }));
}
