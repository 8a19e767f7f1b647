import type { ApiErrorCode, ApiIssue } from '../../shared/events';
import { hasKey, t } from './i18n';

/**
 * The hub's API errors in the interface language: each field problem comes as a code + path (its English
 * message is for people calling the API by hand), the failure as a whole as a code or an HTTP status.
 */

/** What is wrong with one field, said at that field. */
export function issueText(i: ApiIssue): string {
  const key = `apiIssue.${i.code}`;
  return hasKey(key) ? t(key, i.params) : t('apiIssue.invalid-value');
}

/** Why a request failed as a whole: its code, else its HTTP status; never the hub's English text. */
export function failureText(code: ApiErrorCode | string | undefined, status: number): string {
  const key = `apiError.${code ?? ''}`;
  if (code && hasKey(key)) return t(key);
  if (status === 400) return t('apiError.invalid');
  if (status === 404) return t('apiError.not-found');
  return t('error.http', { status });
}

/** The field a path is about (its first segment); '' for the request as a whole ("(body)", "(query)"). */
export function issueField(i: ApiIssue): string {
  return /^\(.*\)$/.test(i.path) ? '' : (i.path.split('.')[0] ?? '');
}

/**
 * Problems by field, for a form: those of the fields it shows go under the field; the rest (the whole
 * request, or a field the form does not show) go under '' with the field's name when it has one.
 */
export function formIssues(issues: ApiIssue[], shown: readonly string[], labels: Partial<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (field: string, text: string) => (out[field] = out[field] ? `${out[field]} ${text}` : text);
  for (const i of issues) {
    const field = issueField(i);
    if (field && shown.includes(field)) add(field, issueText(i));
    else add('', field && labels[field] ? t('apiIssue.field', { field: labels[field], message: issueText(i) }) : issueText(i));
  }
  return out;
}
