/**
 * The bench's end of the notification channel. The real worker posts every message to this
 * webhook (NOTIFY_WEBHOOK_URL, as a site's SMS or app gateway would receive it); the bare
 * worker reports its empty deliveries and timer wake-ups over IPC. A loop waits here for the
 * assignment message before the technician accepts, the way staff act on the push they get,
 * so no loop polls the workflow.
 */
import { createServer, type Server } from 'node:http';
import type { BareMessage, WakeReport } from './bare-activities.js';
import { freePort } from './ports.js';

/** A notification as the webhook received it. */
export interface Received {
  deliveryId: string;
  recipientId: string | null;
  template: string;
  orderId: string;
  payload: Record<string, unknown>;
  at: number;
}

export interface Receiver {
  url: string;
  /** The first `template` message for `key` (an order ID), or undefined for a bare workflow's (by workflow ID). */
  arrival(key: string, template: string, timeoutMs?: number): Promise<Received | undefined>;
  /** Every webhook message with this template so far. */
  received(template: string): Received[];
  /** Every bare wake-up so far. */
  wakes(): WakeReport[];
  /** Feed a message from the bare worker. */
  bare(message: BareMessage): void;
  close(): Promise<void>;
}

/** Listen on a free loopback port. */
export async function startReceiver(): Promise<Receiver> {
  const seen = new Map<string, Received | undefined>();
  const waiters = new Map<string, (r: Received | undefined) => void>();
  const byTemplate = new Map<string, Received[]>();
  const wakes: WakeReport[] = [];
  const arrived = (key: string, template: string, entry?: Received) => {
    const k = `${template}|${key}`;
    if (seen.has(k)) return;
    seen.set(k, entry);
    waiters.get(k)?.(entry);
    waiters.delete(k);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(204).end();
      try {
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          id: number;
          template: string;
          recipient: { id: string | null };
          payload: Record<string, unknown>;
        };
        const entry: Received = {
          deliveryId: String(req.headers['x-property-ops-delivery'] ?? message.id),
          recipientId: message.recipient.id,
          template: message.template,
          orderId: typeof message.payload.orderId === 'string' ? message.payload.orderId : '',
          payload: message.payload,
          at: Date.now(),
        };
        const list = byTemplate.get(message.template) ?? [];
        list.push(entry);
        byTemplate.set(message.template, list);
        arrived(entry.orderId, message.template, entry);
      } catch {
        // A body that is not a message is nothing the bench waits for.
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  server.keepAliveTimeout = 60_000;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    arrival(key, template, timeoutMs = 120_000) {
      const k = `${template}|${key}`;
      if (seen.has(k)) return Promise.resolve(seen.get(k));
      return new Promise<Received | undefined>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(k);
          reject(new Error(`no ${template} message for ${key} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        waiters.set(k, (entry) => {
          clearTimeout(timer);
          resolve(entry);
        });
      });
    },
    received: (template) => byTemplate.get(template) ?? [],
    wakes: () => wakes,
    bare(message) {
      if (message.kind === 'deliver') arrived(message.workflowId, message.template);
      else wakes.push(message);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
