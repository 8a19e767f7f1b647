import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MqttBroker } from '../../hub/broker/broker.js';
import { Topics } from '../../hub/broker/topics.js';
import { Bus } from '../../hub/core/bus.js';
import { systemClock } from '../../hub/core/clock.js';
import { parseConfig } from '../../hub/config/load.js';
import type { HubContext } from '../../hub/context.js';
import { Counters } from '../../hub/core/counters.js';
import type { DeviceEvent, Reading, StatusReport } from '../../hub/core/domain.js';
import { createLogger } from '../../hub/core/log.js';
import { Ingest } from '../../hub/ingest/ingest.js';
import { Dismissals } from '../../hub/registry/dismissals.js';
import { DeviceRegistry } from '../../hub/registry/registry.js';
import { openStateDb } from '../../hub/state/db.js';

/**
 * Properties of the ingest parser (topic → payload → domain event), the code every MQTT message meets:
 * no input makes it throw, every refusal says why in a known code, and every valid message comes out
 * as the event it describes, field for field.
 */
const config = parseConfig(
  `
villages: [{ id: dong-cam, name: Đông Căm }]
devices:
  - { id: cam-1, village: dong-cam, name: Camera, kind: onvif-camera }
limits: { metricsPerDevice: 1000 }
`,
  'test',
);
const state = openStateDb(':memory:');

/** A fresh ingest per run (its own metric-name memory), with the events it emits. */
function ingest() {
  const log = createLogger('silent');
  const bus = new Bus(log);
  const ctx = { config, log, bus, clock: systemClock, counters: new Counters(), devices: new DeviceRegistry(config), state } as unknown as HubContext;
  const broker = { topics: new Topics('langso') } as unknown as MqttBroker;
  const events = { status: [] as StatusReport[], reading: [] as Reading[], event: [] as DeviceEvent[] };
  bus.on('test', 'status', (e) => events.status.push(e));
  bus.on('test', 'reading', (e) => events.reading.push(e));
  bus.on('test', 'device-event', (e) => events.event.push(e));
  return { ingest: new Ingest(ctx, broker, new Dismissals(ctx)), events };
}

const codes = ['json', 'schema', 'topic', 'oversize', 'dismissed', 'unregistered_cap', 'metrics_limit', 'series_limit'];

const topic = fc.oneof(
  fc.string(),
  fc.constantFrom('langso/dong-cam/cam-1/status', 'langso/dong-cam/cam-1/telemetry', 'langso/dong-cam/cam-1/event', 'langso/dong-cam/$hub/status'),
  fc.tuple(fc.constantFrom('langso', 'other'), fc.string(), fc.string(), fc.string()).map((p) => p.join('/')),
);
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })).map((v) => Buffer.from(JSON.stringify(v))),
  fc.constantFrom('online', 'offline', ' online\n', '', '{}', '[]', 'null', '1e999', '{"ts":1e400}', '{"__proto__":{"x":1}}').map((s) => Buffer.from(s)),
);

const ts = fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 });
const metric = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,63}$/).filter((k) => k !== 'ts');
const value = fc.oneof(fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
const paramValue = fc.oneof(fc.string({ maxLength: 200 }), fc.double({ noNaN: true, noDefaultInfinity: true }));

describe('ingest parser (property-based)', () => {
  it('never throws on any topic and payload; a refusal always has a known code and a reason', () => {
    const { ingest: i } = ingest();
    fc.assert(
      fc.property(topic, payload, fc.boolean(), (t, p, retain) => {
        const r = i.handle({ topic: t, payload: p, retain });
        if (!r.ok) {
          expect(codes).toContain(r.code);
          expect(r.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('a valid telemetry message comes out as a reading with the same fields and time', () => {
    fc.assert(
      fc.property(fc.dictionary(metric, value, { minKeys: 1, maxKeys: 64 }), fc.option(ts, { nil: undefined }), (fields, at) => {
        const { ingest: i, events } = ingest();
        const body = at === undefined ? fields : { ts: at, ...fields };
        expect(i.handle({ topic: 'langso/dong-cam/cam-1/telemetry', payload: Buffer.from(JSON.stringify(body)), retain: false })).toEqual({ ok: true });
        expect(events.reading).toHaveLength(1);
        // JSON has no -0: a -0 sent arrives as 0.
        expect(events.reading[0]?.fields).toEqual(JSON.parse(JSON.stringify(fields)));
        if (at !== undefined) expect(events.reading[0]?.ts).toBe(at);
      }),
      { numRuns: 300 },
    );
  });

  it('a valid status comes out as the same state, time, reason, code and parameters', () => {
    const params = fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,31}$/), paramValue, { maxKeys: 16 });
    const status = fc.record(
      {
        state: fc.constantFrom('online', 'offline'),
        ts,
        reason: fc.string({ maxLength: 500 }),
        code: fc.stringMatching(/^[a-z][a-z0-9-]{0,63}$/),
        params,
      },
      { requiredKeys: ['state'] },
    );
    fc.assert(
      fc.property(status, (s) => {
        const { ingest: i, events } = ingest();
        expect(i.handle({ topic: 'langso/dong-cam/cam-1/status', payload: Buffer.from(JSON.stringify(s)), retain: true })).toEqual({ ok: true });
        const got = events.status[0];
        expect(got?.state).toBe(s.state);
        if (s.ts !== undefined) expect(got?.ts).toBe(s.ts);
        expect(got?.reason).toBe(s.reason || undefined);
        if (s.code !== undefined) expect(got?.reasonCode).toBe(s.code);
        if (s.code !== undefined && s.params && Object.keys(s.params).length > 0) expect(got?.reasonParams).toEqual(JSON.parse(JSON.stringify(s.params)));
      }),
      { numRuns: 300 },
    );
  });

  it('a valid event comes out with the same type, severity (info by default), message and time', () => {
    const event = fc.record(
      { type: fc.string({ minLength: 1, maxLength: 64 }), ts, severity: fc.constantFrom('info', 'warning', 'critical'), message: fc.string({ maxLength: 2_000 }) },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(event, (e) => {
        const { ingest: i, events } = ingest();
        expect(i.handle({ topic: 'langso/dong-cam/cam-1/event', payload: Buffer.from(JSON.stringify(e)), retain: false })).toEqual({ ok: true });
        expect(events.event[0]).toMatchObject({ type: e.type, severity: e.severity ?? 'info', ...(e.ts !== undefined ? { ts: e.ts } : {}) });
        expect(events.event[0]?.message).toBe(e.message || undefined);
      }),
      { numRuns: 300 },
    );
  });
});
