/**
 * Outbound notification channels. A site connects its SMS, WeChat or e-mail gateway
 * through the webhook (HTTP POST, HMAC-SHA256 signed); without one, messages go to the
 * log channel: a log line naming the message, never the person or their number.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** One message owed, as handed to a channel. `address` is personal data: never log it. */
export interface OutboundMessage {
  id: number;
  template: string;
  channel: string;
  recipient: { kind: string; id: string | null; role: string | null; address: string | null };
  payload: Record<string, unknown>;
}

export interface Notifier {
  readonly name: 'webhook' | 'log';
  send(message: OutboundMessage): Promise<void>;
}

/** The HMAC signature header value for a webhook body. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Pick the channel from configuration. */
export function createNotifier(cfg: Config['notifications'], logger: Logger): Notifier {
  const { webhookUrl, webhookSecret } = cfg;
  if (!webhookUrl) {
    return {
      name: 'log',
      send(message) {
        logger.info(
          { outboxId: message.id, template: message.template, recipientKind: message.recipient.kind, recipientId: message.recipient.id },
          'notification (log channel)',
        );
        return Promise.resolve();
      },
    };
  }
  return {
    name: 'webhook',
    async send(message) {
      const body = JSON.stringify(message);
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // The receiver drops duplicates by this ID: delivery is at least once.
          'x-property-ops-delivery': String(message.id),
          ...(webhookSecret ? { 'x-property-ops-signature': signWebhookBody(webhookSecret, body) } : {}),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    },
  };
}
