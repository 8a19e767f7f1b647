import type { InfluxDB } from 'influx';
import { METRIC_PATTERN, SLUG_PATTERN } from '../../shared/ids.js';
import { KIND } from './influxql.js';
import type { MetricPoint } from './types.js';

type TelemetryPoint = Extract<MetricPoint, { measurement: 'telemetry' }>;

/**
 * One telemetry point in InfluxDB's line protocol, as the `influx` client's writePoints writes it (tags
 * in the order village, device, kind; fields sorted by name; the time in ms), but written straight from
 * the point: writePoints makes several objects, arrays and escaped copies per point, and every stored
 * message passes here. Nothing needs escaping: ids are slugs and metric names letters, digits and `_`
 * (checked here, as before). Null when the point cannot be stored (a bad id or time, no usable field).
 */
export function telemetryLine(p: TelemetryPoint): string | null {
  if (!SLUG_PATTERN.test(p.village) || !SLUG_PATTERN.test(p.device) || !KIND.test(p.kind) || !Number.isFinite(p.ts)) return null;
  let fields = '';
  for (const k of sortedKeys(p.fields)) {
    const v = p.fields[k];
    if (!METRIC_PATTERN.test(k) || typeof v !== 'number' || !Number.isFinite(v)) continue;
    fields += `${fields === '' ? ' ' : ','}${k}=${String(v)}`;
  }
  if (fields === '') return null;
  return `telemetry,village=${p.village},device=${p.device},kind=${p.kind}${fields} ${String(Math.round(p.ts))}`;
}

/** The object's keys in sorted order; most devices send them sorted already, and then no sort is run. */
function sortedKeys(o: Readonly<Record<string, unknown>>): string[] {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  return keys;
}

/** What the `influx` client sends a request with (its connection pool: the same hosts, timeouts and errors as writePoints). */
interface Pool {
  discard(o: { method: 'POST'; path: '/write'; body: string; query: Record<string, string>; auth: string | undefined }): Promise<void>;
}

/**
 * Sends lines to `/write` through the client's own pool, as writePoints does once it has made them (so
 * failures read and are handled the same). The pool is the client's (influx 5.x) own field: a client
 * without it fails every write, loudly, which the store's tests would show at once.
 */
export function postLines(client: InfluxDB, lines: readonly string[], o: { database: string; retentionPolicy: string; username: string | undefined; password: string | undefined }): Promise<void> {
  const pool = (client as unknown as { _pool?: Pool })._pool;
  const body = lines.join('\n');
  if (!pool || typeof pool.discard !== 'function') throw new Error('influx client without a request pool');
  return pool.discard({
    method: 'POST',
    path: '/write',
    body,
    query: { db: o.database, precision: 'ms', rp: o.retentionPolicy },
    auth: typeof o.username === 'string' ? `${o.username}:${o.password ?? ''}` : undefined,
  });
}
