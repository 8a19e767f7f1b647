import { createRequire } from 'node:module';
import type Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { ChannelConfig } from '../../config/alerts.js';
import { NotifyError, type Notifier, type OutgoingMessage } from './types.js';

const require = createRequire(import.meta.url);
/** nodemailer loads with the first e-mail, not in every hub (Node caches it). */
const nodemailer = (): typeof Nodemailer => require('nodemailer') as typeof Nodemailer;

type EmailConfig = Extract<ChannelConfig, { type: 'email' }>;

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** RFC 5321 §4.2.1: 5yz replies are permanent (bad credentials, unknown mailbox); 4yz are transient. */
function smtpError(err: unknown): NotifyError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpFailure;
  if (typeof e.responseCode === 'number') {
    const line = (e.response ?? '').split(/\r?\n/)[0]?.slice(0, 200) ?? '';
    return new NotifyError(`SMTP: ${line || e.responseCode}`, { permanent: e.responseCode >= 500 });
  }
  const msg = e.message ?? String(err);
  if (/ECONNREFUSED/.test(msg)) return new NotifyError('SMTP: connection refused');
  if (/ENOTFOUND|EAI_AGAIN/.test(msg)) return new NotifyError('SMTP: host not found');
  if (/Greeting never received/i.test(msg)) return new NotifyError('SMTP: the server did not greet in time');
  if (e.code === 'ETIMEDOUT' || /timeout/i.test(msg)) return new NotifyError('SMTP: connection timed out');
  return new NotifyError(`SMTP: ${msg.slice(0, 200)}`);
}

/** E-mail over SMTP (nodemailer). Subject = title; plain-text body; a report's CSV attached. One connection per message (alerts are rare). */
export class EmailNotifier implements Notifier {
  readonly type = 'email' as const;
  private transport: Transporter | null = null;

  constructor(private readonly config: EmailConfig) {}

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const { smtp } = this.config;
    this.transport ??= nodemailer().createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
      // Small timeouts: a dead mail server must not hold the channel's queue for minutes.
      connectionTimeout: 10_000,
      greetingTimeout: 5_000,
      socketTimeout: 20_000,
    });
    const sending = this.transport.sendMail({
      from: this.config.from,
      to: this.config.to,
      subject: m.title,
      text: m.text,
      // The same Message-ID on a re-send lets mail clients fold a duplicate.
      messageId: `<${m.key}@langso.hub>`,
      headers: { 'X-Langso-Change': m.kind === 'report' ? 'report' : m.change },
      ...(m.attachment ? { attachments: [{ filename: m.attachment.filename, content: m.attachment.content, contentType: m.attachment.contentType }] } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new NotifyError(signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? 'SMTP: no answer in time' : 'SMTP: cancelled (hub stopping)'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      sending.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(smtpError(err));
        },
      );
    });
  }

  close(): void {
    this.transport?.close();
    this.transport = null;
  }
}
