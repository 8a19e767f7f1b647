import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../hub/config/load.js';
import { configSchema, storeSchema } from '../../hub/config/schema.js';
import { deviceKindList } from '../../devices/index.js';
import { defaultRules } from '../../hub/config/alerts.js';
import { uplinkSchema } from '../../hub/config/uplink.js';
import { documentedFiles, fillDefaults, marksIn } from '../../scripts/docs/defaults.js';

const read = (file: string): string => readFileSync(file, 'utf8');

/** The rows of a generated table: first cell (without backticks) → the other cells. */
function tableIn(text: string, block: string): Map<string, string[]> {
  const m = new RegExp(`<!-- defaults:${block} -->([\\s\\S]*?)<!-- /defaults -->`).exec(text);
  if (!m) throw new Error(`no "${block}" table`);
  const rows = new Map<string, string[]>();
  for (const line of (m[1] ?? '').split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const key = cells[0]?.replace(/`/g, '');
    if (!key || key === 'kind' || key === 'id' || key.startsWith('---')) continue;
    rows.set(key, cells.slice(1));
  }
  return rows;
}

describe('documented defaults', () => {
  for (const file of documentedFiles) {
    it(`${file} states the defaults the code has (npm run docs regenerates them)`, () => {
      const text = read(file);
      expect(fillDefaults(text)).toBe(text);
    });
  }

  it('docs/mqtt.md and docs/alerts.md give every kind the heartbeat timeout of its descriptor', () => {
    const expected = new Map(deviceKindList.map((k) => [k.kind, `${k.defaultTimeoutS} s`]));
    for (const file of ['docs/mqtt.md', 'docs/alerts.md']) {
      const table = tableIn(read(file), 'kind-timeouts');
      expect(new Map([...table].map(([kind, cells]) => [kind, cells.at(-1)])), file).toEqual(expected);
    }
  });

  it('docs/alerts.md lists the default threshold rules of the descriptors', () => {
    const table = tableIn(read('docs/alerts.md'), 'alert-rules');
    expect([...table.keys()]).toEqual(defaultRules.map((r) => r.id));
    for (const r of defaultRules) {
      const [rule, hold, severity] = table.get(r.id) ?? [];
      expect(rule).toContain(`${r.abs ? `abs(${r.metric})` : r.metric} ${r.op} ${r.value}`);
      expect(hold).toBe(r.forS === 0 ? '—' : r.forS % 60 === 0 ? `${r.forS / 60} min` : `${r.forS} s`);
      expect(severity).toBe(r.severity);
    }
  });

  it('every default the docs state is marked, so none can drift from the code', () => {
    const marks = Object.fromEntries(documentedFiles.map((f) => [f, marksIn(read(f))]));
    expect(marks['docs/mqtt.md']?.values).toEqual(
      expect.arrayContaining(['broker.port', 'broker.wsPort', 'broker.topicPrefix', 'ingest.maxMetrics', 'broker.maxPayloadBytes']),
    );
    expect(marks['docs/alerts.md']?.values).toEqual(
      expect.arrayContaining([
        'poll.marginS',
        'alerts.flapping.maxChanges',
        'alerts.flapping.windowS',
        'alerts.flapping.settleS',
        'internet.intervalS',
        'internet.timeoutS',
        'internet.failuresToDown',
        'alerts.dependencyGraceS',
        'alerts.meetingReadiness.alertAtMin',
        'alerts.meetingReadiness.checkFromMin',
        'alerts.escalateAfterS',
        'notify.retry.initialS',
        'notify.retry.maxS',
        'notify.retry.expireAfterS',
        'village.timezone',
      ]),
    );
    expect(marks['docs/alerts.md']?.blocks).toEqual(expect.arrayContaining(['kind-timeouts', 'alert-rules']));
    expect(marks['README.md']?.values).toEqual(
      expect.arrayContaining(['broker.port', 'broker.wsPort', 'http.port', 'dataDir', 'influx.rawRetention', 'influx.rollupRetention']),
    );
    expect(marks['README.md']?.blocks).toEqual(expect.arrayContaining(['kinds']));
    expect(marks['docs/storage.md']?.values).toEqual(expect.arrayContaining(['store.rawRetention', 'store.rollupRetention']));
    expect(marks['docs/uplink.md']?.values).toEqual(expect.arrayContaining(['uplink.keepaliveS', 'uplink.queue.maxBytes', 'uplink.queue.maxAgeS', 'uplink.backlogPerS']));
    expect(marks['docs/reports.md']?.values).toEqual(expect.arrayContaining(['village.timezone', 'store.rollupRetention', 'reports.schedule.top']));
  });

  it('config/langso.example.yaml shows every setting it lists at its default', () => {
    const text = read('config/langso.example.yaml');
    const example = parse(text) as Record<string, unknown>;
    const defaults = configSchema.parse({}) as unknown as Record<string, unknown>;
    const differ: string[] = [];
    const compare = (have: unknown, want: unknown, where: string): void => {
      if (have !== null && typeof have === 'object' && !Array.isArray(have)) {
        for (const [k, v] of Object.entries(have)) compare(v, (want as Record<string, unknown> | undefined)?.[k], `${where}.${k}`);
      } else if (have !== want) differ.push(`${where}: ${JSON.stringify(have)}, default ${JSON.stringify(want)}`);
    };
    for (const key of ['dataDir', 'logLevel', 'logFormat', 'broker', 'http', 'store', 'sim', 'export', 'reports', 'memory']) compare(example[key], defaults[key], key);
    // The commented-out InfluxDB block, uncommented.
    const block = /^# store:\n(?:#.*\n)+/m.exec(text)?.[0] ?? '';
    const influx = (parse(block.replace(/^# ?/gm, '')) as { store: Record<string, unknown> }).store;
    const influxDefaults = storeSchema.parse({ kind: 'influx', url: 'http://127.0.0.1:8086' }) as unknown as Record<string, unknown>;
    for (const key of ['url', 'database', 'rawRetention', 'rollupRetention', 'writer']) compare(influx[key], influxDefaults[key], `store(influx).${key}`);
    // The commented-out uplink block, uncommented: every value but the address and credentials is the default.
    const up = /^# uplink:\n(?:#.*\n)+/m.exec(text)?.[0] ?? '';
    const uplink = (parse(up.replace(/^# ?/gm, '')) as { uplink: Record<string, unknown> }).uplink;
    const uplinkDefaults = uplinkSchema.parse({ url: 'mqtt://x' }) as unknown as Record<string, unknown>;
    for (const key of ['clientId', 'topicPrefix', 'keepaliveS', 'reconnectS', 'statusEveryS', 'queue', 'backlogPerS', 'inflight']) compare(uplink[key], uplinkDefaults[key], `uplink.${key}`);
    expect(differ).toEqual([]);
  });

  it("config/langso.example.yaml's commented report schedules, uncommented, are the schedule defaults", () => {
    const text = read('config/langso.example.yaml');
    const lines = text.split('\n').map((l) => l.replace(/^    # ((monthly|weekly): .*)$/, '    $1'));
    expect(lines.filter((l, i) => l !== text.split('\n')[i])).toHaveLength(2);
    const config = parseConfig(lines.join('\n'), 'config/langso.example.yaml');
    const defaults = parseConfig('reports: { schedule: { monthly: {}, weekly: {} } }', 'test', {});
    expect(config.reports.schedule).toEqual(defaults.reports.schedule);
    expect(config.reports.schedule).toEqual({ monthly: { day: 1, time: '07:00' }, weekly: { weekday: 'mon', time: '07:00' }, top: 5 });
  });

  it('a stale mark is rewritten from the code, and a mark naming nothing is refused', () => {
    expect(fillDefaults('every <!-- default:alerts.flapping.windowS s -->30 s<!-- /default -->')).toBe(
      'every <!-- default:alerts.flapping.windowS s -->600 s<!-- /default -->',
    );
    expect(fillDefaults('<!-- default:notify.retry.expireAfterS duration -->1 day<!-- /default -->')).toBe(
      '<!-- default:notify.retry.expireAfterS duration -->2 days<!-- /default -->',
    );
    expect(() => fillDefaults('<!-- default:alerts.nothing -->1<!-- /default -->')).toThrow(/no default "alerts.nothing"/);
    expect(() => fillDefaults('<!-- defaults:nothing --><!-- /defaults -->')).toThrow(/unknown generated block "nothing"/);
  });
});
