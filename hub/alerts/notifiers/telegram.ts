import type { ChannelConfig } from '../../config/alerts.js';
import { httpError, networkError, NotifyError, retryAfterHeader, type Notifier, type OutgoingMessage } from './types.js';

type TelegramConfig = Extract<ChannelConfig, { type: 'telegram' }>;

/** Bot API limit for sendMessage text (characters after entity parsing; we send plain text). */
const MAX_TEXT = 4096;

interface BotApiReply {
  ok?: boolean;
  description?: string;
  parameters?: { retry_after?: number };
}

/** Telegram Bot API `sendMessage` (https://core.telegram.org/bots/api#sendmessage), plain text. */
export class TelegramNotifier implements Notifier {
  readonly type = 'telegram' as const;

  constructor(private readonly config: TelegramConfig) {}

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    // The token is part of the URL: it never goes into an error message or a log line.
    const url = `${this.config.apiBase.replace(/\/+$/, '')}/bot${this.config.token}/sendMessage`;
    const text = m.text.length > MAX_TEXT ? `${m.text.slice(0, MAX_TEXT - 1)}…` : m.text;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ chat_id: this.config.chatId, text, disable_web_page_preview: true }),
        signal,
      });
    } catch (err) {
      throw networkError('Telegram', err, signal);
    }
    const raw = await res.text().catch(() => '');
    let reply: BotApiReply = {};
    try {
      reply = JSON.parse(raw) as BotApiReply;
    } catch {
      // A proxy's HTML error page: the status line says enough.
    }
    if (res.ok && reply.ok === true) return;
    if (res.ok) throw new NotifyError(`Telegram: unexpected reply ${raw.slice(0, 120)}`);
    // "429 Too Many Requests: retry after 7" — flood control says how long to wait; sooner is refused again.
    const retryAfterS = typeof reply.parameters?.retry_after === 'number' ? reply.parameters.retry_after : retryAfterHeader(res.headers.get('retry-after'));
    throw httpError('Telegram', res.status, reply.description ?? res.statusText, retryAfterS);
  }
}
