/**
 * Connecting to Temporal, patiently: in docker-compose and `npm start` the server may still
 * be starting. The API process loads this file, so it stays clear of @temporalio/worker
 * (the worker's own connection is in temporal-worker.ts).
 */
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/** Call `fn` until it succeeds, for up to two minutes, saying now and then what it waits for. */
export async function retry<T>(what: string, address: string, logger: Logger, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`could not reach Temporal at ${address} (${what}): ${(err as Error).message}`);
      }
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ address }, `waiting for Temporal (${what})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** TLS and API key for both kinds of connection (this one and the worker's), as configured (none for a local server). */
export function security(cfg: Config['temporal']) {
  const { tls } = cfg;
  return {
    ...(tls
      ? {
          tls: {
            ...(tls.clientCert && tls.clientKey ? { clientCertPair: { crt: tls.clientCert, key: tls.clientKey } } : {}),
            ...(tls.serverCa ? { serverRootCACertificate: tls.serverCa } : {}),
            ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
          },
        }
      : {}),
    ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}),
  };
}

/** A workflow client for the API (and scripts), once the server answers. */
export async function connectClient(cfg: Config['temporal'], logger: Logger): Promise<Client> {
  const connection = await retry('client', cfg.address, logger, async () => {
    const c = await Connection.connect({ address: cfg.address, ...security(cfg) });
    await c.workflowService.getSystemInfo({});
    return c;
  });
  return new Client({ connection, namespace: cfg.namespace });
}

/** How often a worker reports that it is running (Temporal worker heartbeats); readiness trusts a report for three of these. */
export const workerHeartbeatIntervalMs = 2000;

/** Dynamic config for `temporal server start-dev` that lets workers report heartbeats and /readyz list them (ListWorkers). */
export const devServerWorkerHeartbeats = ['frontend.ListWorkersEnabled=true', 'frontend.WorkerHeartbeatsEnabled=true'].flatMap((v) => ['--dynamic-config-value', v]);
