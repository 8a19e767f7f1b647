import type { Response } from 'express';
import type { ApiError, ApiErrorCode, ApiIssue, ApiIssueCode } from '../../shared/events.js';

/** An issue as routes write it; one without a code is sent as `invalid-value`. */
export type IssueInput = Omit<ApiIssue, 'code'> & { code?: ApiIssueCode };

/**
 * A JSON error: the English `error`, a `code` for the failure as a whole (400 → `invalid`), and per field
 * a code + path the dashboard translates, beside the English message.
 */
export function sendError(res: Response, status: number, error: string, issues?: IssueInput[], code?: ApiErrorCode, extra?: Pick<ApiError, 'retryAfterS'>): void {
  const whole = code ?? (status === 400 ? 'invalid' : undefined);
  const body: ApiError = { error, ...(whole ? { code: whole } : {}), ...(extra ?? {}) };
  if (issues) body.issues = issues.map((i) => ({ ...i, code: i.code ?? 'invalid-value' }));
  res.status(status).json(body);
}
