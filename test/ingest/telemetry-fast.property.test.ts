import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_METRICS, readGoodTelemetry, telemetryPayloadSchema, telemetryRecordSchema } from '../../hub/ingest/payloads.js';

/**
 * The fast path of the telemetry schema (`readGoodTelemetry`, no copy, no allocation per field: every
 * message the hub takes in goes through it) must agree with the schema as written (`telemetryRecordSchema`): whatever it reads, the schema takes, with the same time and fields; what it leaves (anything
 * unusual) the schema reads; every well-formed message it reads itself.
 */
const metric = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,63}$/).filter((k) => k !== 'ts');
const good = fc.oneof(fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
const anyValue = fc.oneof(good, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, '12', [], {}, 1.5e12, 946_684_799_999, 4_102_444_800_001, 1.7e12 + 0.5));
const key = fc.oneof(metric, fc.string({ maxLength: 8 }), fc.constantFrom('ts', '__proto__', 'constructor', '1', '_x', 'a-b'));
const tsValue = fc.oneof(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), anyValue);

/** As the hub gets them: JSON text parsed. */
const message = fc.oneof(
  fc.tuple(fc.dictionary(metric, good, { minKeys: 0, maxKeys: MAX_METRICS + 2 }), fc.option(tsValue, { nil: undefined })).map(([f, ts]) => (ts === undefined ? f : { ts, ...f })),
  fc.dictionary(key, anyValue, { maxKeys: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('{"__proto__":{"x":1}}', '{"ts":1e400,"a":1}', '[1]', 'null', '{"a":-0}', '{"ts":1700000000000}').map((t) => JSON.parse(t) as unknown),
).map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown);

describe('telemetry payload: the fast path for good messages', () => {
  it('agrees with the schema on every message: the same reading, or left to the schema', () => {
    let read = 0;
    fc.assert(
      fc.property(message, (v) => {
        const fast = readGoodTelemetry(v);
        const slow = telemetryRecordSchema.safeParse(v);
        // Left to the schema, which decides (and words the refusal): nothing to compare.
        if (fast === undefined) return;
        read++;
        expect(slow.success).toBe(true);
        expect(fast).toStrictEqual(slow.data);
        expect(Object.keys(fast.fields)).toEqual(Object.keys(slow.data!.fields));
      }),
      { numRuns: 5_000 },
    );
    // The generators do make good messages: the comparison above is not only about refusals.
    expect(read).toBeGreaterThan(500);
  });

  it('reads every well-formed message itself (metric names, finite numbers and booleans, a time in range)', () => {
    const ts = fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 });
    fc.assert(
      fc.property(fc.dictionary(metric, good, { minKeys: 1, maxKeys: MAX_METRICS }), fc.option(ts, { nil: undefined }), (f, at) => {
        const v = JSON.parse(JSON.stringify(at === undefined ? f : { ts: at, ...f })) as unknown;
        expect(readGoodTelemetry(v)).toStrictEqual(telemetryRecordSchema.parse(v));
      }),
      { numRuns: 1_000 },
    );
  });

  it('reads a typical message as the schema does', () => {
    const v = { ts: 1_764_460_800_000, clients: 3, rxBps: 1000.5, up: true };
    expect(readGoodTelemetry(v)).toStrictEqual({ ts: 1_764_460_800_000, fields: { clients: 3, rxBps: 1000.5, up: true } });
    expect(readGoodTelemetry(v)).toStrictEqual(telemetryRecordSchema.parse(v));
    expect(readGoodTelemetry({ clients: 3 })).toStrictEqual({ ts: undefined, fields: { clients: 3 } });
  });

  it('the schema the hub parses with gives what the schema as written gives: the same reading, or the same issues', () => {
    fc.assert(
      fc.property(message, (v) => {
        const hub = telemetryPayloadSchema.safeParse(v);
        const ref = telemetryRecordSchema.safeParse(v);
        expect(hub.success).toBe(ref.success);
        if (hub.success && ref.success) expect(hub.data).toStrictEqual(ref.data);
        else expect(hub.error?.issues.map((i) => [i.path, i.message])).toEqual(ref.error?.issues.map((i) => [i.path, i.message]));
      }),
      { numRuns: 5_000 },
    );
  });
});
