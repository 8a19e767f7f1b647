import type {
  AlertDetailResponse,
  AlertsResponse,
  ApiError,
  AuditResponse,
  DeviceEventsResponse,
  AvailabilityResponse,
  DevicesResponse,
  HealthResponse,
  MaintenanceRequest,
  MaintenanceWindowView,
  MeetingRequest,
  MeetingsResponse,
  MeetingView,
  NotificationsResponse,
  SeriesResponse,
  SessionResponse,
  InternetView,
} from '../../shared/events';
import { failureText, formIssues, issueText } from './api-errors';
import { t } from './i18n';

/** A failed REST call, with a message fit to show to a volunteer (in the interface language). */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    /** Per-field problems from the hub's validation (codes), to show next to the fields. */
    readonly issues: NonNullable<ApiError['issues']> = [],
    /** The hub's own (English) text, for commune IT in the browser console; not shown. */
    readonly serverText: string | null = null,
    /** The hub's code for the failure as a whole (`bad-login`, `rate-limited`, …). */
    readonly code: string | null = null,
    /** With `rate-limited`: seconds until the next login may be tried. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * Called when the hub answers 401 `unauthorized` (nobody logged in, or the session ended): the app shows
 * the login page, and after it the page the person was on.
 */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  const headers: Record<string, string> = { accept: 'application/json' };
  // Every change is sent as JSON, with or without a body: the hub refuses any other kind (CSRF defence).
  if (method !== 'GET') headers['content-type'] = 'application/json';
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      signal,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiFailure(t('error.network'), null);
  }
  if (!res.ok) {
    let detail = t('error.http', { status: res.status });
    let issues: NonNullable<ApiError['issues']> = [];
    let serverText: string | null = null;
    let code: string | null = null;
    let retryAfterS: number | null = null;
    try {
      const parsed = (await res.json()) as Partial<ApiError>;
      if (typeof parsed.error === 'string') {
        code = typeof parsed.code === 'string' ? parsed.code : null;
        retryAfterS = typeof parsed.retryAfterS === 'number' ? parsed.retryAfterS : null;
        issues = Array.isArray(parsed.issues) ? parsed.issues : [];
        serverText = `${parsed.error}${issues.length ? ` (${issues.map((i) => `${i.path}: ${i.message}`).join('; ')})` : ''}`;
        // Said in the interface language from the codes; the hub's English stays in serverText.
        const list = issues.map(issueText).join(' ');
        detail = list ? `${failureText(parsed.code, res.status)}: ${list}` : failureText(parsed.code, res.status);
      }
    } catch {
      // Not JSON (a proxy error page, say): keep the status-based message.
    }
    if (res.status === 401 && code === 'unauthorized') onUnauthorized();
    throw new ApiFailure(detail, res.status, issues, serverText, code, retryAfterS);
  }
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiFailure(t('error.http', { status: res.status }), res.status);
  }
}

export const getJson = <T>(path: string, signal?: AbortSignal): Promise<T> => request<T>('GET', path, undefined, signal);

export function fetchDevices(signal?: AbortSignal): Promise<DevicesResponse> {
  return getJson<DevicesResponse>('/api/devices', signal);
}

export function fetchHealth(signal?: AbortSignal): Promise<HealthResponse> {
  return getJson<HealthResponse>('/api/health', signal);
}

export interface SeriesRequest {
  village: string;
  device: string;
  metric: string;
  from: number;
  to: number;
  points: number;
}

export function fetchSeries(q: SeriesRequest, signal?: AbortSignal): Promise<SeriesResponse> {
  const params = new URLSearchParams({
    metric: q.metric,
    from: String(Math.floor(q.from)),
    to: String(Math.ceil(q.to)),
    points: String(q.points),
  });
  const path = `/api/devices/${encodeURIComponent(q.village)}/${encodeURIComponent(q.device)}/series?${params}`;
  return getJson<SeriesResponse>(path, signal);
}

export function fetchAvailability(q: { village: string; device: string; from: number; to: number }, signal?: AbortSignal): Promise<AvailabilityResponse> {
  const params = new URLSearchParams({ from: String(Math.floor(q.from)), to: String(Math.ceil(q.to)) });
  return getJson<AvailabilityResponse>(`/api/devices/${encodeURIComponent(q.village)}/${encodeURIComponent(q.device)}/availability?${params}`, signal);
}

export type AlertStatusFilter = 'open' | 'firing' | 'acknowledged' | 'resolved' | 'all';

/** The alert history's filters (GET /api/alerts and /api/reports/alerts.csv take the same). */
export interface AlertFilter {
  village?: string;
  device?: string;
  condition?: string;
  from?: number;
  to?: number;
}

/** The filter as query parameters (unset ones left out). */
export function alertFilterParams(f: AlertFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') params.set(k, String(v));
  return params;
}

export function fetchAlerts(q: { status: AlertStatusFilter; limit?: number; before?: number | null; filter?: AlertFilter }, signal?: AbortSignal): Promise<AlertsResponse> {
  const params = alertFilterParams(q.filter ?? {});
  params.set('status', q.status);
  params.set('limit', String(q.limit ?? 100));
  if (q.before) params.set('before', String(q.before));
  return getJson<AlertsResponse>(`/api/alerts?${params}`, signal);
}

export function fetchAlert(id: number, signal?: AbortSignal): Promise<AlertDetailResponse> {
  return getJson<AlertDetailResponse>(`/api/alerts/${id}`, signal);
}

/** Acknowledges as the logged-in user (the hub records who). */
export function ackAlert(id: number, body: { note?: string }): Promise<AlertDetailResponse> {
  return request<AlertDetailResponse>('POST', `/api/alerts/${id}/ack`, body);
}

/** A note in an alert's history, whatever its status (POST /api/alerts/:id/note), as the logged-in user. */
export function noteAlert(id: number, body: { note: string }): Promise<AlertDetailResponse> {
  return request<AlertDetailResponse>('POST', `/api/alerts/${id}/note`, body);
}

export function fetchInternet(signal?: AbortSignal): Promise<InternetView> {
  return getJson<InternetView>('/api/internet', signal);
}

export function fetchMaintenance(signal?: AbortSignal): Promise<{ windows: MaintenanceWindowView[] }> {
  return getJson<{ windows: MaintenanceWindowView[] }>('/api/maintenance', signal);
}

export function addMaintenance(body: MaintenanceRequest): Promise<MaintenanceWindowView> {
  return request<MaintenanceWindowView>('POST', '/api/maintenance', body);
}

export function removeMaintenance(id: string): Promise<void> {
  return request<void>('DELETE', `/api/maintenance/${encodeURIComponent(id)}`);
}

export function fetchMeetings(signal?: AbortSignal): Promise<MeetingsResponse> {
  return getJson<MeetingsResponse>('/api/meetings', signal);
}

export function addMeeting(body: MeetingRequest): Promise<{ meeting: MeetingView }> {
  return request<{ meeting: MeetingView }>('POST', '/api/meetings', body);
}

export function removeMeeting(id: string): Promise<void> {
  return request<void>('DELETE', `/api/meetings/${encodeURIComponent(id)}`);
}

export function fetchNotifications(signal?: AbortSignal): Promise<NotificationsResponse> {
  return getJson<NotificationsResponse>('/api/notifications?status=pending&limit=20', signal);
}

/** A device's events, newest first (the last 30 days unless `from` is given). */
export function fetchDeviceEvents(village: string, device: string, limit: number, signal?: AbortSignal): Promise<DeviceEventsResponse> {
  const path = `/api/devices/${encodeURIComponent(village)}/${encodeURIComponent(device)}/events?limit=${limit}`;
  return getJson<DeviceEventsResponse>(path, signal);
}

/** Hides a device that published without being configured, until it publishes again (an admin action). */
export function dismissDevice(village: string, device: string): Promise<void> {
  return request<void>('POST', `/api/devices/${encodeURIComponent(village)}/${encodeURIComponent(device)}/dismiss`, {});
}

/** Who is logged in; 401 when nobody is (the unauthorized handler then shows the login page). */
export function fetchSession(signal?: AbortSignal): Promise<SessionResponse> {
  return getJson<SessionResponse>('/api/session', signal);
}

export function login(username: string, password: string): Promise<SessionResponse> {
  return request<SessionResponse>('POST', '/api/session', { username, password });
}

export function logout(): Promise<void> {
  return request<void>('DELETE', '/api/session');
}

/** The audit log, newest first (admins). */
export function fetchAudit(q: { limit: number; before?: number | null }, signal?: AbortSignal): Promise<AuditResponse> {
  const params = new URLSearchParams({ limit: String(q.limit) });
  if (q.before) params.set('before', String(q.before));
  return getJson<AuditResponse>(`/api/audit?${params}`, signal);
}

export function snapshotUrl(village: string, device: string): string {
  return `/api/devices/${encodeURIComponent(village)}/${encodeURIComponent(device)}/snapshot`;
}

/**
 * A form's errors from a failed save, in the interface language: by field for the fields it shows
 * (`shown`), the rest under '' — the whole failure when the hub named no field.
 */
/** Field errors by field name (the first path segment), in the interface language; the rest under ''. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiFailure)) return {};
  return formIssues(err.issues, [...new Set(err.issues.map((i) => i.path.split('.')[0] ?? ''))]);
}

export function formErrors(err: unknown, shown: readonly string[], labels: Partial<Record<string, string>> = {}): Record<string, string> {
  if (!(err instanceof ApiFailure) || err.issues.length === 0) return { '': errorText(err) };
  return formIssues(err.issues, shown, labels);
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export function errorText(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
