import type { ChannelConfig } from '../../config/alerts.js';
import { httpError, networkError, NotifyError, retryAfterHeader, type Attachment, type Notifier, type OutgoingMessage } from './types.js';

type TelegramConfig = Extract<ChannelConfig, { type: 'telegram' }>;

/** Bot API limit for sendMessage text (characters after entity parsing; we send plain text). */
const MAX_TEXT = 4096;
/** Bot API limit for a document's caption. */
const MAX_CAPTION = 1024;

interface BotApiReply {
  ok?: boolean;
  description?: string;
  parameters?: { retry_after?: number };
}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Telegram Bot API: `sendMessage` (https://core.telegram.org/bots/api#sendmessage), plain text; a message
 * with an attachment (a report's CSV) goes by `sendDocument` with the text as its caption — or, when the
 * text is longer than a caption may be, as a message followed by the document captioned with the title.
 */
export class TelegramNotifier implements Notifier {
  readonly type = 'telegram' as const;

  constructor(private readonly config: TelegramConfig) {}

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    if (!m.attachment) return this.call('sendMessage', this.textBody(clip(m.text, MAX_TEXT)), signal);
    if (m.text.length > MAX_CAPTION) {
      await this.call('sendMessage', this.textBody(clip(m.text, MAX_TEXT)), signal);
      return this.call('sendDocument', this.documentBody(m.attachment, clip(m.title, MAX_CAPTION)), signal);
    }
    return this.call('sendDocument', this.documentBody(m.attachment, m.text), signal);
  }

  private textBody(text: string): { body: string; headers: Record<string, string> } {
    return {
      body: JSON.stringify({ chat_id: this.config.chatId, text, disable_web_page_preview: true }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    };
  }

  private documentBody(file: Attachment, caption: string): { body: FormData } {
    const form = new FormData();
    form.set('chat_id', String(this.config.chatId));
    form.set('caption', caption);
    form.set('document', new Blob([file.content], { type: file.contentType }), file.filename);
    return { body: form };
  }

  private async call(method: 'sendMessage' | 'sendDocument', req: { body: string | FormData; headers?: Record<string, string> }, signal: AbortSignal): Promise<void> {
    // The token is part of the URL: it never goes into an error message or a log line.
    const url = `${this.config.apiBase.replace(/\/+$/, '')}/bot${this.config.token}/${method}`;
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', ...(req.headers ? { headers: req.headers } : {}), body: req.body, signal });
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
