import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../../hub/config/load.js';
import { dueMonthly, dueWeekly, ReportScheduler } from '../../hub/reports/schedule.js';
import type { Notifications } from '../../hub/alerts/outbox.js';
import { signBody } from '../../hub/alerts/notifiers/webhook.js';
import type { HubContext } from '../../hub/context.js';
import { createLogger } from '../../hub/core/log.js';
import type { AvailabilityState } from '../../hub/core/domain.js';
import type { UptimeReport } from '../../hub/reports/report.js';
import type { AvailabilityPoint } from '../../hub/store/types.js';
import type { DeviceUptimeView } from '../../shared/events.js';
import { shiftedClock, sleep, startHttp, startSmtp } from '../alerts/notifications/helpers.js';
import { parseCsv } from '../helpers/csv.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * Scheduled monthly report, end to end: a real hub whose clock is set to just before 07:00 on
 * 1 December 2026 (Asia/Ho_Chi_Minh), a stand-in Telegram Bot API (a local HTTP server, `apiBase`), a real
 * SMTP server (smtp-server) and a webhook receiver — all down when the report is made, back later.
 */

const z = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const DUE = z('2026-12-01T07:00:00+07:00');
const TOKEN = '123456:TEST-TOKEN-SECRET';

describe('due times of the schedule (village clock)', () => {
  const tz = 'Asia/Ho_Chi_Minh';
  it('monthly: the previous month, due on the day at the time; before it, the month before', () => {
    expect(dueMonthly(DUE + MIN, 1, '07:00', tz)).toMatchObject({ key: 'month:2026-11', dueAt: DUE, from: z('2026-11-01T00:00:00+07:00'), to: z('2026-12-01T00:00:00+07:00') });
    expect(dueMonthly(DUE - MIN, 1, '07:00', tz)).toMatchObject({ key: 'month:2026-10', dueAt: z('2026-11-01T07:00:00+07:00') });
    expect(dueMonthly(z('2027-01-03T08:00:00+07:00'), 3, '07:30', tz)).toMatchObject({ key: 'month:2026-12', dueAt: z('2027-01-03T07:30:00+07:00') });
  });
  it('weekly: the Monday-to-Sunday week before the day it is due', () => {
    // Monday 30 November 2026, 07:00.
    const mon = z('2026-11-30T07:00:00+07:00');
    expect(dueWeekly(mon, 'mon', '07:00', tz)).toMatchObject({ key: 'week:2026-11-23', dueAt: mon, from: z('2026-11-23T00:00:00+07:00'), to: z('2026-11-30T00:00:00+07:00') });
    expect(dueWeekly(mon - MIN, 'mon', '07:00', tz)).toMatchObject({ key: 'week:2026-11-16', dueAt: mon - 7 * 86_400_000 });
    expect(dueWeekly(z('2026-12-02T10:00:00+07:00'), 'wed', '09:00', tz)).toMatchObject({ key: 'week:2026-11-23', dueAt: z('2026-12-02T09:00:00+07:00') });
  });
});

describe('what the scheduler finds due', () => {
  // Only what due() reads: the configuration and a logger.
  const scheduler = (doc: object) => new ReportScheduler({ config: parseConfig(stringify(doc), 'test', {}), log: createLogger('silent') } as unknown as HubContext, {} as Notifications);
  const villages = [
    { id: 'dong-cam', name: 'Đông Căm', timezone: 'Asia/Ho_Chi_Minh' },
    { id: 'berlin', name: 'Berlin', timezone: 'Europe/Berlin' },
  ];

  it("keeps time in the first village's zone, and makes up a missed report for 7 days only", () => {
    const s = scheduler({ villages, reports: { schedule: { monthly: {} } } });
    expect(s.due(DUE - MIN)).toEqual([]);
    expect(s.due(DUE).map((d) => [d.key, d.dueAt])).toEqual([['month:2026-11', DUE]]);
    expect(s.due(DUE + 6 * 86_400_000).map((d) => d.key)).toEqual(['month:2026-11']);
    expect(s.due(DUE + 8 * 86_400_000)).toEqual([]);
    // The other order: 07:00 in Berlin.
    const berlin = scheduler({ villages: [...villages].reverse(), reports: { schedule: { monthly: {} } } });
    expect(berlin.due(DUE)).toEqual([]);
    expect(berlin.due(z('2026-12-01T07:00:00+01:00')).map((d) => d.key)).toEqual(['month:2026-11']);
  });

  it('weekly on its own defaults to Monday 07:00; nothing is due without a schedule', () => {
    const mon = z('2026-11-30T07:00:00+07:00');
    expect(scheduler({ villages, reports: { schedule: { weekly: {} } } }).due(mon).map((d) => [d.key, d.dueAt])).toEqual([['week:2026-11-23', mon]]);
    expect(scheduler({ villages }).due(mon)).toEqual([]);
  });
});

describe('reports.schedule in the configuration', () => {
  it('takes monthly and weekly schedules with defaults, and names a wrong day, time or channel', () => {
    const ok = parseConfig(stringify({ reports: { schedule: { monthly: {}, weekly: { weekday: 'fri', time: '17:30' } } } }), 'test', {});
    expect(ok.reports.schedule).toEqual({ monthly: { day: 1, time: '07:00' }, weekly: { weekday: 'fri', time: '17:30' }, top: 5 });
    expect(parseConfig('villages: []', 'test', {}).reports.schedule).toEqual({ top: 5 });
    const bad = (doc: object): string => {
      try {
        parseConfig(stringify(doc), 'test', {});
      } catch (err) {
        if (err instanceof ConfigError) return err.message;
        throw err;
      }
      throw new Error('accepted');
    };
    expect(bad({ reports: { schedule: { monthly: { day: 31 } } } })).toMatch(/reports\.schedule\.monthly\.day/);
    expect(bad({ reports: { schedule: { weekly: { time: '7h' } } } })).toMatch(/reports\.schedule\.weekly\.time.*HH:MM/);
    expect(bad({ reports: { schedule: { monthly: {}, channels: ['tg'] } } })).toContain('reports.schedule.channels[0]: unknown channel "tg"');
  });
});

/** The parts of a multipart body by their form name / file name. */
function multipart(raw: string, contentType: string): Array<{ headers: string; body: string }> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  return raw
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((p) => {
      const at = p.indexOf('\r\n\r\n');
      return { headers: p.slice(0, at), body: p.slice(at + 4).replace(/\r\n$/, '') };
    });
}

describe('scheduled monthly report through Telegram, e-mail and a webhook', () => {
  let t: TestHub;
  const clock = shiftedClock();
  let telegram: Awaited<ReturnType<typeof startHttp>>;
  let webhook: Awaited<ReturnType<typeof startHttp>>;
  let smtpPort = 0;
  let smtp: Awaited<ReturnType<typeof startSmtp>> | null = null;
  let doc: Record<string, unknown>;

  beforeAll(async () => {
    clock.shift(DUE - 2 * MIN - Date.now());
    telegram = await startHttp(() => ({ status: 200, body: { ok: true, result: {} } }));
    webhook = await startHttp(() => ({ status: 200, body: 'ok' }));
    // A port for the mail server, which is not running when the report is made.
    const probe = await startSmtp('hub', 'mat-khau-smtp');
    smtpPort = probe.port;
    await probe.close();
    doc = {
      villages: [testVillage],
      devices: [
        { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 },
        { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', timeoutS: 600 },
      ],
      store: { kind: 'sqlite', writer: { flushMs: 50 } },
      notify: {
        channels: [
          { id: 'tg', type: 'telegram', token: TOKEN, chatId: -100123, apiBase: telegram.url },
          { id: 'mail', type: 'email', smtp: { host: '127.0.0.1', port: smtpPort, user: 'hub', pass: 'mat-khau-smtp' }, from: 'hub@lang.so', to: ['it@xa.gov.vn'] },
          { id: 'hook', type: 'webhook', url: `${webhook.url}/report`, secret: 'hook-secret-1' },
        ],
        retry: { initialS: 1, maxS: 2 },
      },
      reports: { schedule: { monthly: { day: 1, time: '07:00' } } },
    };
    t = await startTestHub(doc, { clock });
    const points = (device: string, kind: AvailabilityPoint['kind'], list: Array<[string, AvailabilityState]>): AvailabilityPoint[] =>
      list.map(([ts, state]) => ({ measurement: 'availability', village: 'dong-cam', device, kind, ts: z(ts), state }));
    await t.hub.ctx.store.write([
      ...points('cam-1', 'onvif-camera', [
        ['2026-10-01T00:00:00Z', 'online'],
        ['2026-11-12T01:00:00Z', 'offline'],
        ['2026-11-12T04:30:00Z', 'online'],
      ]),
      ...points('ap-1', 'wifi-ap', [['2026-10-01T00:00:00Z', 'online']]),
    ]);
    // The receivers are down.
    await telegram.close();
    await webhook.close();
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await telegram?.close().catch(() => undefined);
    await webhook?.close().catch(() => undefined);
    await smtp?.close();
  });

  it('is made once, at the set local time, and delivered after the receivers come back', async () => {
    // 06:58: not yet.
    expect(await t.hub.reports.check()).toEqual([]);
    clock.shift(3 * MIN);
    expect(await t.hub.reports.check()).toEqual(['month:2026-11']);
    expect(await t.hub.reports.check()).toEqual([]);
    // Every channel tried and failed; the messages wait in the outbox.
    type Pending = { messages: Array<{ change: string; channelId: string; title: string }>; stats: { channels: Array<{ lastError: string | null }> } };
    const pending = await waitFor(
      async () => {
        const body = (await (await t.fetch('/api/notifications?status=pending')).json()) as Pending;
        return body.messages.length === 3 && body.stats.channels.every((c) => c.lastError !== null) ? body.messages : null;
      },
      10_000,
      'three pending report messages, each channel having failed',
    );
    expect(pending.every((m) => m.change === 'report' && m.title === 'Làng Số: báo cáo hoạt động tháng 11/2026')).toBe(true);
    await sleep(1_500);
    // Back after a while.
    await telegram.reopen();
    await webhook.reopen();
    smtp = await startSmtp('hub', 'mat-khau-smtp', smtpPort);
    await waitFor(() => telegram.requests.length > 0 && webhook.requests.length > 0 && smtp!.mails.length > 0, 20_000, 'delivery on every channel');

    const figures = await (await t.fetch('/api/uptime?village=dong-cam&device=cam-1&month=2026-11')).json() as DeviceUptimeView;
    expect(figures.offlineMs).toBe(210 * MIN);

    // Telegram: one sendDocument with the CSV, the text as its caption; the token only in the path.
    expect(telegram.requests.map((r) => r.path)).toEqual([`/bot${TOKEN}/sendDocument`]);
    const tg = telegram.requests[0]!;
    const parts = multipart(tg.raw, String(tg.headers['content-type']));
    const field = (name: string) => parts.find((p) => p.headers.includes(`name="${name}"`));
    expect(field('chat_id')?.body).toBe('-100123');
    const caption = field('caption')!.body;
    expect(caption).toContain('Báo cáo hoạt động thiết bị tháng 11/2026.');
    expect(caption).toContain('• Đông Căm: hoạt động');
    expect(caption).toContain('Camera cổng thôn: 99,51%');
    expect(caption).toContain('Camera cổng thôn: 3 giờ 30 phút');
    expect(caption).toContain('Không tính thời gian bảo trì và lúc trung tâm không chạy.');
    const file = field('document')!;
    expect(file.headers).toContain('filename="uptime-2026-11.csv"');
    expect(file.body.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(file.body.slice(1));
    expect(rows.map((r) => r[1])).toEqual(['Mã thiết bị', 'cam-1', 'ap-1']);
    expect(rows[1]![4]).toBe(String(figures.uptimePct));
    expect(rows[1]![9]).toBe('210');

    // E-mail: the title as subject, the CSV attached.
    const mail = smtp!.mails[0]!;
    expect(mail.headers.subject).toBe('Làng Số: báo cáo hoạt động tháng 11/2026');
    expect(mail.headers['x-langso-change']).toBe('report');
    expect(mail.text).toMatch(/Content-Type: text\/csv; charset=utf-8;?\s*(name=uptime-2026-11\.csv)?/i);
    expect(mail.text).toMatch(/filename=("?)uptime-2026-11\.csv\1/);

    // Webhook: the figures as JSON.
    const hookReq = webhook.requests[0]!;
    const hook = hookReq.body as { id: string; type: string; period: string; title: string; text: string; ts: number; delayedS: number; report: UptimeReport };
    expect(Object.keys(hook).sort()).toEqual(['delayedS', 'id', 'period', 'report', 'text', 'title', 'ts', 'type']);
    expect(hook.type).toBe('report');
    expect(hook.period).toBe('month:2026-11');
    expect(hook.title).toBe('Làng Số: báo cáo hoạt động tháng 11/2026');
    // The same text as Telegram's caption (multipart encoding may turn its line ends into CRLF).
    expect(hook.text).toBe(caption.replace(/\r\n/g, '\n'));
    expect(hook.delayedS).toBeGreaterThan(0);
    // Signed and keyed like an alert's webhook.
    expect(hookReq.headers['x-langso-signature']).toBe(signBody('hook-secret-1', hookReq.raw));
    expect(hookReq.headers['idempotency-key']).toBe(hook.id);
    // The report as the hub computed it: each village with its names, time zone and worst device, each device with name and kind.
    expect(hook.report.generatedAt).toBe(hook.ts);
    const village = hook.report.villages[0]!;
    expect(village).toMatchObject({ village: 'dong-cam', name: 'Đông Căm', commune: 'Gia Phú', timezone: 'Asia/Ho_Chi_Minh', outages: 1, worst: { device: 'cam-1', name: 'Camera cổng thôn', uptimePct: figures.uptimePct } });
    const cam = village.devices.find((d) => d.device === 'cam-1')!;
    expect(cam).toEqual({ ...figures, name: 'Camera cổng thôn', kind: 'onvif-camera' });
  }, 60_000);

  it('is not made again after a restart, nor delivered twice', async () => {
    const dataDir = t.dataDir;
    await t.hub.stop();
    const sent = telegram.requests.length + webhook.requests.length + smtp!.mails.length;
    t = await startTestHub(doc, { clock, dataDir });
    expect(await t.hub.reports.check()).toEqual([]);
    await sleep(1_500);
    expect(telegram.requests.length + webhook.requests.length + smtp!.mails.length).toBe(sent);
  }, 30_000);
});
