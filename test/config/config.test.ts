import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../hub/config/load.js';
import { defaultTimeoutS, timeoutFor } from '../../hub/config/schema.js';
import { configProblems } from '../helpers/config.js';

const good = `
villages:
  - id: dong-cam
    name: Đông Căm
devices:
  - { id: router, village: dong-cam, name: Bộ định tuyến, kind: router }
  - { id: cam-cong-thon, village: dong-cam, name: Camera cổng thôn, kind: onvif-camera, parent: router }
  - { id: ap-nha-van-hoa, village: dong-cam, name: Wi-Fi nhà văn hóa, kind: wifi-ap, timeoutS: 15 }
`;

const problems = (text: string, env: Record<string, string> = {}): string[] => configProblems(text, 'test.yaml', env);

describe('config', () => {
  it('fills every default from the schema', () => {
    const c = parseConfig(good, 'test.yaml');
    expect(c.broker).toEqual({
      host: '0.0.0.0',
      port: 1883,
      wsPort: 9001,
      topicPrefix: 'langso',
      maxPayloadBytes: 65536,
      allowAnonymous: false,
      maxPacketBytes: 262144,
      connectTimeoutS: 10,
      rateLimit: { messagesPerS: 50, burst: 200, disconnectAfterS: 10 },
    });
    expect(c.limits).toEqual({ metricsPerDevice: 64, seriesTotal: 100000 });
    expect(c.http).toMatchObject({ allowedHosts: [], session: { idleHours: 72, maxDays: 30 } });
    expect(c.http.port).toBe(8080);
    expect(c.store.kind).toBe('sqlite');
    expect(c.store.writer).toEqual({ batchSize: 5000, flushMs: 1000, maxQueued: 20000 });
    expect(c.store.spool).toEqual({ fsync: true, syncEveryMs: 10, maxBytes: null, maxAgeS: 2_592_000 });
    expect(c.dataDir).toBe('./data');
    expect(c.villages[0]?.timezone).toBe('Asia/Ho_Chi_Minh');
    expect(timeoutFor(c.devices[1]!)).toBe(defaultTimeoutS('onvif-camera'));
    expect(timeoutFor(c.devices[2]!)).toBe(15);
  });

  it('exports: Home Assistant off by default, the Prometheus token optional and long enough', () => {
    expect(parseConfig(good, 'test.yaml').export).toEqual({ homeassistant: { enabled: false, discoveryPrefix: 'homeassistant' }, prometheus: {} });
    const token = 'a'.repeat(24);
    const c = parseConfig(`${good}export: { homeassistant: { enabled: true, discoveryPrefix: ha }, prometheus: { token: ${token} } }\n`, 'test.yaml');
    expect(c.export).toEqual({ homeassistant: { enabled: true, discoveryPrefix: 'ha' }, prometheus: { token } });
    expect(problems(`${good}export: { prometheus: { token: short } }\n`)).toEqual([expect.stringMatching(/^export\.prometheus\.token: expected at least 24 characters/)]);
    expect(problems(`${good}export: { homeassistant: { discoveryPrefix: "home/assistant" } }\n`)).toEqual([expect.stringMatching(/^export\.homeassistant\.discoveryPrefix: expected one topic level/)]);
    expect(problems(`${good}export: { grafana: true }\n`)).toEqual(['export: unknown setting(s): grafana']);
  });

  it('reads the old "uplink" key as "internet", with a warning saying what to write', () => {
    const warnings: string[] = [];
    const c = parseConfig(`${good}uplink: { targets: [{ type: tcp, host: 1.1.1.1, port: 443 }] }\n`, 'test.yaml', {}, warnings);
    expect(c.internet.targets).toEqual([{ type: 'tcp', host: '1.1.1.1', port: 443 }]);
    expect(warnings).toEqual(['"uplink" is deprecated: rename it to "internet" (it still works for now)']);
    const both: string[] = [];
    const c2 = parseConfig(`${good}uplink: { intervalS: 99 }\ninternet: { intervalS: 5 }\n`, 'test.yaml', {}, both);
    expect(c2.internet.intervalS).toBe(5);
    expect(both[0]).toMatch(/both are set: "uplink" is ignored/);
    const none: string[] = [];
    parseConfig(good, 'test.yaml', {}, none);
    expect(none).toEqual([]);
  });

  it('reads "uplink" with a url as the bridge to a commune broker, with defaults and clear errors', () => {
    const warnings: string[] = [];
    const c = parseConfig(`${good}uplink: { url: "mqtts://commune.example:8883", username: dong-cam, passwordFile: /etc/langso/uplink.pass }\n`, 'test.yaml', {}, warnings);
    expect(warnings).toEqual([]);
    expect(c.uplink).toMatchObject({ url: 'mqtts://commune.example:8883', topicPrefix: 'langso', clientId: 'langso', keepaliveS: 30, queue: { maxBytes: 256 * 1024 * 1024, fsync: true } });
    expect(c.internet.targets).toEqual([]);
    expect(parseConfig(good, 'test.yaml').uplink).toBeUndefined();
    expect(problems(`${good}uplink: { url: "http://x" }\n`)).toEqual([expect.stringMatching(/^uplink\.url: expected a URL mqtt:\/\/host:port/)]);
    expect(problems(`${good}uplink: { url: "mqtt://x", password: a, passwordFile: b }\n`)).toEqual(['uplink.passwordFile: set password or passwordFile, not both']);
    expect(problems(`${good}uplink: { url: "mqtt://x", targets: [] }\n`)).toEqual(['uplink: unknown setting(s): targets']);
  });

  it('lists every problem with its path, not just the first', () => {
    const bad = `
villages:
  - id: Dong Cam
    name: ""
devices:
  - { id: a, village: dong-cam, name: A, kind: router }
  - { id: b, village: dong-cam, name: B, kind: router, parent: nowhere }
  - { id: a, village: dong-cam, name: A2, kind: router }
  - { id: c, village: dong-cam, name: C, kind: toaster, timeoutS: -1 }
broker: { port: 99999, colour: blue }
`;
    const p = problems(bad);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^villages\[0\]\.id: expected a lowercase slug/),
        expect.stringMatching(/^villages\[0\]\.name: /),
        expect.stringMatching(/^devices\[3\]\.kind: .*onvif-camera.*wifi-ap/),
        expect.stringMatching(/^devices\[3\]\.timeoutS: /),
        expect.stringMatching(/^broker\.port: /),
        expect.stringMatching(/^broker: unknown setting\(s\): colour/),
      ]),
    );
    expect(p.length).toBeGreaterThanOrEqual(6);
  });

  it('checks references: village, parent, duplicates, cycles', () => {
    const p = problems(`
villages: [{ id: dong-cam, name: Đông Căm }]
devices:
  - { id: a, village: lang-moi, name: A, kind: router }
  - { id: b, village: dong-cam, name: B, kind: switch, parent: nowhere }
  - { id: x, village: dong-cam, name: X, kind: switch, parent: y }
  - { id: y, village: dong-cam, name: Y, kind: switch, parent: x }
  - { id: y, village: dong-cam, name: Y2, kind: switch }
`);
    expect(p).toContain('devices[0].village: unknown village "lang-moi"; expected one of: dong-cam');
    expect(p).toContain('devices[1].parent: unknown parent "nowhere": expected a device id of village "dong-cam"');
    expect(p.some((m) => m.startsWith('devices[2].parent: parent chain loops back'))).toBe(true);
    expect(p).toContain('devices[4].id: duplicate device id "y" in village "dong-cam"');
  });

  it('refuses a time zone the runtime does not know', () => {
    expect(problems('villages: [{ id: dong-cam, name: Đông Căm, timezone: Asia/Hanoi_City }]\n')).toEqual([
      'villages[0].timezone: expected an IANA time zone such as Asia/Ho_Chi_Minh',
    ]);
  });

  it('reports YAML syntax errors with a line number', () => {
    const p = problems('villages:\n  - id: a\n   name: broken\n');
    expect(p[0]).toMatch(/^YAML syntax \(line \d+\)/);
  });

  it('refuses a document that is not a mapping', () => {
    expect(problems('- just\n- a list\n')).toEqual(['(root): expected a mapping of settings (key: value)']);
  });

  it('applies environment overrides before validation', () => {
    const c = parseConfig(good, 'test.yaml', {
      LANGSO_MQTT_PORT: '1999',
      LANGSO_HTTP_PORT: '8999',
      LANGSO_WS_PORT: '9999',
      LANGSO_DATA_DIR: '/tmp/langso-x',
      LANGSO_INFLUX_URL: 'http://127.0.0.1:8086',
    });
    expect(c.broker.port).toBe(1999);
    expect(c.broker.wsPort).toBe(9999);
    expect(c.http.port).toBe(8999);
    expect(c.dataDir).toBe('/tmp/langso-x');
    expect(c.store).toMatchObject({ kind: 'influx', url: 'http://127.0.0.1:8086', database: 'langso', rawRetention: '30d' });
  });

  it('names the variable when an override is bad', () => {
    const p = problems(good, { LANGSO_HTTP_PORT: 'eighty', LANGSO_INFLUX_URL: 'not a url' });
    expect(p).toContain('LANGSO_HTTP_PORT: expected a port number 0-65535, got "eighty"');
    expect(p.some((m) => m.startsWith('store.url: '))).toBe(true);
  });

  it('gives the SQLite store the same retention settings and defaults as InfluxDB', () => {
    expect(parseConfig(good, 't').store).toMatchObject({ kind: 'sqlite', file: 'metrics.db', rawRetention: '30d', rollupRetention: '104w' });
    const c = parseConfig(`${good}\nstore: { kind: sqlite, rawRetention: 7d, rollupRetention: 52w }\n`, 't');
    expect(c.store).toMatchObject({ kind: 'sqlite', rawRetention: '7d', rollupRetention: '52w' });
    expect(problems(`${good}\nstore: { kind: sqlite, rawRetention: 30 days }\n`)).toEqual([
      'store.rawRetention: expected a duration such as 12h, 30d or 104w (0d keeps forever)',
    ]);
  });

  it('keeps the InfluxDB database configured in the file when the URL comes from the environment', () => {
    const c = parseConfig(`${good}\nstore: { kind: influx, url: "http://10.0.0.1:8086", database: gia_phu }\n`, 't', {
      LANGSO_INFLUX_URL: 'http://127.0.0.1:8086',
    });
    expect(c.store).toMatchObject({ kind: 'influx', url: 'http://127.0.0.1:8086', database: 'gia_phu' });
  });

  it('checks notification, maintenance and meeting references', () => {
    const p = problems(`${good}
notify:
  channels:
    - { id: tg, type: telegram, token: "123:abc", chatId: 42 }
    - { id: tg, type: webhook, url: "http://127.0.0.1:9/hook" }
  routes: [{ channels: [tg, zalo], villages: [lang-moi] }]
  escalation: { channels: [email-xa] }
maintenance: [{ village: dong-cam, device: cam-9, daily: true, start: "22:00", end: "05:00" }]
meetings: [{ village: lang-moi, startAt: "2026-12-01T08:00:00", title: Họp xã }]
`);
    expect(p).toEqual(
      expect.arrayContaining([
        'notify.channels[1].id: duplicate channel id "tg"',
        'notify.routes[0].channels[1]: unknown channel "zalo"; expected one of: tg',
        'notify.routes[0].villages[0]: unknown village "lang-moi"',
        'notify.escalation.channels[0]: unknown channel "email-xa"; expected one of: tg',
        'maintenance[0].device: no device "cam-9" in village "dong-cam"',
        'meetings[0].village: unknown village "lang-moi"',
      ]),
    );
  });
});
