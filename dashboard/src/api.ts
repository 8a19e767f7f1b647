import type { ApiError, DevicesResponse, HealthResponse, SeriesResponse } from '../../hub/web/events';
import { t } from './i18n';

/** A failed REST call, with a message fit to show to a volunteer. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiFailure(t('error.network'), null);
  }
  if (!res.ok) {
    let detail = t('error.http', { status: res.status });
    try {
      const body = (await res.json()) as Partial<ApiError>;
      if (typeof body.error === 'string') {
        const issues = body.issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
        detail = `${body.error}${issues ? ` (${issues})` : ''}`;
      }
    } catch {
      // Not JSON (a proxy error page, say): keep the status-based message.
    }
    throw new ApiFailure(detail, res.status);
  }
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiFailure(t('error.http', { status: res.status }), res.status);
  }
}

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

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export function errorText(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
