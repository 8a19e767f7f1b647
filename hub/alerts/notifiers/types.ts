import type { ChannelConfig } from '../../config/alerts.js';
import type { Alert, AlertChange } from '../../core/domain.js';
import type { Message } from '../messages.js';

export type ChannelType = ChannelConfig['type'];

/** A file sent with a message: Telegram sends it as a document, e-mail attaches it. */
export interface Attachment {
  filename: string;
  contentType: string;
  content: string;
}

/** What every delivery attempt of one outbox row carries. */
interface Delivery extends Message {
  /** Outbox row id. */
  id: number;
  /**
   * Stable for the row across retries and hub restarts, unique across hubs (a commune receiver may hear
   * from several villages, whose outbox ids overlap): the Idempotency-Key a receiver uses to drop re-sends.
   */
  key: string;
  /** When the change happened, or when the report was made (ms). */
  ts: number;
  /** Seconds between queueing and this attempt. */
  delayedS: number;
  attachment?: Attachment;
}

/** An alert change told. */
export interface AlertMessage extends Delivery {
  kind?: 'alert';
  alert: Alert;
  change: AlertChange;
}

/** A scheduled uptime report: its figures as JSON for a webhook, the CSV as the attachment. */
export interface ReportMessage extends Delivery {
  kind: 'report';
  /** `month:2026-11`, `week:2026-11-23`. */
  period: string;
  report: unknown;
}

/** One delivery attempt of one outbox row. */
export type OutgoingMessage = AlertMessage | ReportMessage;

/**
 * A notification channel (DESIGN.md §9: small plugin contract). `send` resolves once the receiver accepted
 * the message and throws a NotifyError whose message a person can act on ("Telegram: 401 Unauthorized").
 * The caller owns timeouts and retries: it passes a signal that aborts on timeout or hub stop.
 */
export interface Notifier {
  readonly type: ChannelType;
  send(message: OutgoingMessage, signal: AbortSignal): Promise<void>;
  /** Releases connections, if the channel keeps any. */
  close?(): void;
}

export class NotifyError extends Error {
  /** Retrying cannot help (bad token, unknown chat, rejected payload): the message is given up at once. */
  readonly permanent: boolean;
  /** The receiver asked to wait this long (Telegram `retry_after`, HTTP Retry-After). */
  readonly retryAfterS: number | undefined;

  constructor(message: string, opts: { permanent?: boolean; retryAfterS?: number | undefined } = {}) {
    super(message);
    this.name = 'NotifyError';
    this.permanent = opts.permanent ?? false;
    this.retryAfterS = opts.retryAfterS;
  }
}

/** RFC 9110 §15.5: a 4xx is the sender's fault and is not fixed by resending — except 408 (timeout) and 429 (slow down). */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function httpError(prefix: string, status: number, text: string, retryAfterS?: number): NotifyError {
  const detail = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new NotifyError(`${prefix}: ${status}${detail ? ` ${detail}` : ''}`, { permanent: isPermanentStatus(status), retryAfterS });
}

/** Retry-After in seconds (RFC 9110 §10.2.3); the HTTP-date form is rare for these APIs and ignored. */
export function retryAfterHeader(value: string | null): number | undefined {
  if (value === null || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

const codeText: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (no DNS?)',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'no answer in time',
  UND_ERR_SOCKET: 'connection closed by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted (self-signed)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host name',
};

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const o = err as { code?: unknown; errors?: unknown };
  if (typeof o.code === 'string') return o.code;
  // Node's happy-eyeballs connect reports an AggregateError over the addresses tried.
  if (Array.isArray(o.errors)) return codeOf(o.errors[0]);
  return undefined;
}

/** Turns a fetch/socket failure into "webhook: connection refused" rather than "fetch failed". */
export function networkError(prefix: string, err: unknown, signal: AbortSignal): NotifyError {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    return new NotifyError(`${prefix}: ${timedOut ? 'no answer in time' : 'cancelled (hub stopping)'}`);
  }
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  const code = codeOf(cause) ?? codeOf(err);
  const known = code ? codeText[code] : undefined;
  if (known) return new NotifyError(`${prefix}: ${known}`);
  const text = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return new NotifyError(`${prefix}: ${text || code || 'unknown error'}`);
}
