import { createHmac } from 'node:crypto';
import type { ChannelConfig } from '../../config/alerts.js';
import { httpError, networkError, retryAfterHeader, type Notifier, type OutgoingMessage } from './types.js';

type WebhookConfig = Extract<ChannelConfig, { type: 'webhook' }>;

export const SIGNATURE_HEADER = 'X-Langso-Signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * POSTs the alert (or the scheduled report, `type: "report"`) as JSON. The receiver checks `X-Langso-Signature: sha256=<hex HMAC-SHA256 of the exact body>`
 * and drops repeats by `Idempotency-Key` (a retry after a lost response carries the same key).
 */
export class WebhookNotifier implements Notifier {
  readonly type = 'webhook' as const;

  constructor(private readonly config: WebhookConfig) {}

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    // A report goes as its figures (the whole report: GET /api/uptime's figures plus names, communes and zones), not as a file.
    const body =
      m.kind === 'report'
        ? JSON.stringify({ id: m.key, type: 'report', period: m.period, title: m.title, text: m.text, ts: m.ts, delayedS: m.delayedS, report: m.report })
        : JSON.stringify({ id: m.key, alert: m.alert, change: m.change, title: m.title, text: m.text, ts: m.ts, delayedS: m.delayedS });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'Idempotency-Key': m.key,
      'User-Agent': 'langso-hub',
    };
    if (this.config.secret) headers[SIGNATURE_HEADER] = signBody(this.config.secret, body);
    let res: Response;
    try {
      res = await fetch(this.config.url, { method: 'POST', headers, body, signal });
    } catch (err) {
      throw networkError('webhook', err, signal);
    }
    // Read (and bound) the body so the connection is reusable; its text explains a refusal.
    const text = await res.text().catch(() => '');
    if (!res.ok) throw httpError('webhook', res.status, `${res.statusText}${text ? `: ${text.slice(0, 120)}` : ''}`, retryAfterHeader(res.headers.get('retry-after')));
  }
}
