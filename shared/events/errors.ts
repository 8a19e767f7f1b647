/**
 * Why a request failed: error and per-field issue codes the dashboard translates.
 * Free of Node imports: the dashboard bundles it.
 */

/**
 * What is wrong with one field of a request, as a code the dashboard translates (the English `message`
 * is for people calling the API by hand). Parameters: `max`/`min` (lengths, sizes), `options` (choices).
 */
export const apiIssueCodes = [
  'required',
  'too-long',
  'too-short',
  'too-big',
  'too-small',
  'invalid-number',
  'invalid-choice',
  'invalid-id',
  'invalid-time',
  'invalid-date-time',
  'invalid-value',
  'unknown-field',
  'to-before-from',
  'range-too-long',
  'one-off-or-recurring',
  'needs-schedule',
  'pick-days',
  'unknown-village',
  'unknown-device',
  'not-in-future',
  /** A month that is not YYYY-MM (reports). */
  'invalid-month',
  /** A report asked for both a month and a from/to range. */
  'month-or-range',
] as const;
export type ApiIssueCode = (typeof apiIssueCodes)[number];

export interface ApiIssue {
  /** The field (`to`, `checks.1.name`), or `(query)` / `(body)` for the request as a whole. */
  path: string;
  code: ApiIssueCode;
  message: string;
  params?: Record<string, string | number>;
}

/** Why a request failed as a whole, beside the English `error` (absent: see the HTTP status). */
export const apiErrorCodes = [
  'invalid',
  'not-found',
  'from-config',
  'already-resolved',
  'busy',
  'store-unavailable',
  'bad-json',
  'too-large',
  'internal',
  // Access (hub/web/access.ts, csrf.ts, hosts.ts, session-api.ts):
  /** 401: nobody is logged in, or the session ended. */
  'unauthorized',
  /** 403: logged in, but this role or village may not. */
  'forbidden',
  /** 401 from POST /api/session: wrong user name or password. */
  'bad-login',
  /** 429 from POST /api/session: too many failed logins; `retryAfterS` says when to try again. */
  'rate-limited',
  /** 415: a change sent as something other than JSON (a form or text/plain post from another site). */
  'json-only',
  /** 403: a change sent by a page of another site (Origin / Referer). */
  'cross-origin',
  /** 421: the Host header is not a name of this hub (DNS rebinding). */
  'host-not-allowed',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

export interface ApiError {
  error: string;
  code?: ApiErrorCode;
  /** One entry per bad field: path, code and what was expected. */
  issues?: ApiIssue[];
  /** With `rate-limited`: seconds until a login may be tried again (the Retry-After header says the same). */
  retryAfterS?: number;
}
