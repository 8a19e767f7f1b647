import fc from 'fast-check';
import { InfluxDB } from 'influx';
import { describe, expect, it } from 'vitest';
import { postLines, telemetryLine } from '../../hub/store/influx-lines.js';
import type { MetricPoint } from '../../hub/store/types.js';

type Sent = { method: string; path: string; body: string; query: Record<string, unknown>; auth?: string };

/** A client of the `influx` package whose requests are kept instead of sent. */
function capturing(opts: { username?: string; password?: string } = {}): { client: InfluxDB; sent: Sent[] } {
  const client = new InfluxDB({ host: '127.0.0.1', port: 1, database: 'd', ...opts });
  const sent: Sent[] = [];
  (client as unknown as { _pool: { discard: (o: Sent) => Promise<void> } })._pool.discard = (o) => {
    sent.push(o);
    return Promise.resolve();
  };
  return { client, sent };
}

const slug = fc.stringMatching(/^[a-z0-9-]{1,64}$/);
const metric = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);
const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0, -0, 1e21, 1.5e-7, Number.MAX_SAFE_INTEGER));
const point = fc.record({
  village: slug,
  device: slug,
  kind: slug,
  ts: fc.oneof(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), fc.double({ min: 946_684_800_000, max: 4_102_444_800_000, noNaN: true })),
  fields: fc.dictionary(metric, value, { minKeys: 1, maxKeys: 12 }),
});

describe('telemetry in the line protocol', () => {
  it('is exactly what the influx client writes for the same point, and is sent the same way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(point, { minLength: 1, maxLength: 20 }), async (pts) => {
        const ref = capturing({ username: 'u', password: 'p' });
        await ref.client.writePoints(
          pts.map((p) => ({ measurement: 'telemetry', tags: { village: p.village, device: p.device, kind: p.kind }, fields: p.fields, timestamp: String(Math.round(p.ts)) })),
          { database: 'd', retentionPolicy: 'raw', precision: 'ms' },
        );
        const ours = capturing({ username: 'u', password: 'p' });
        const lines = pts.map((p) => telemetryLine({ measurement: 'telemetry', ...p }));
        expect(lines.every((l) => l !== null)).toBe(true);
        await postLines(ours.client, lines as string[], { database: 'd', retentionPolicy: 'raw', username: 'u', password: 'p' });
        expect(ours.sent).toHaveLength(1);
        expect(ours.sent[0]).toEqual(ref.sent[0]);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves out what cannot be stored: bad ids, a time that is no number, fields that are not finite numbers', () => {
    const ok: MetricPoint = { measurement: 'telemetry', village: 'dong-cam', device: 'ap-1', kind: 'wifi-ap', ts: 1_764_460_800_000.4, fields: { clients: 3, rxBps: 1.5 } };
    expect(telemetryLine(ok)).toBe('telemetry,village=dong-cam,device=ap-1,kind=wifi-ap clients=3,rxBps=1.5 1764460800000');
    expect(telemetryLine({ ...ok, village: 'Dong Cam' })).toBeNull();
    expect(telemetryLine({ ...ok, device: 'ap,1' })).toBeNull();
    expect(telemetryLine({ ...ok, kind: 'wifi ap' })).toBeNull();
    expect(telemetryLine({ ...ok, ts: Number.NaN })).toBeNull();
    expect(telemetryLine({ ...ok, fields: { 'bad name': 1, x: Number.POSITIVE_INFINITY } })).toBeNull();
    // The usable fields of a point are kept, the others left out.
    expect(telemetryLine({ ...ok, fields: { 'bad name': 1, clients: 2 } })).toBe('telemetry,village=dong-cam,device=ap-1,kind=wifi-ap clients=2 1764460800000');
  });
});
