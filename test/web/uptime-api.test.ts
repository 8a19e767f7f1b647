import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../hub/alerts/store.js';
import type { AvailabilityState } from '../../hub/core/domain.js';
import { uptimeOf } from '../../hub/reports/uptime.js';
import type { AvailabilityPoint } from '../../hub/store/types.js';
import type { ApiError, DeviceUptimeView, UptimeAllResponse, VillageUptimeView } from '../../shared/events.js';
import { sessionAs, type Session } from '../helpers/auth.js';
import { csvRecords, parseCsv } from '../helpers/csv.js';
import { startTestHub, testVillage, type TestHub } from '../helpers/hub.js';

/**
 * GET /api/uptime and the CSV exports against a real hub whose SQLite store holds hand-made transitions
 * around November 2025 in Asia/Ho_Chi_Minh (UTC+7): the month starts 2025-10-31T17:00Z.
 */

const MIN = 60_000;
const OWN = 'dong-cam';
const OTHER = 'gia-phu';
const z = (iso: string) => Date.parse(iso);
const MONTH = { from: z('2025-10-31T17:00:00Z'), to: z('2025-11-30T17:00:00Z') };

const fixtures: Record<string, Array<[string, AvailabilityState]>> = {
  // An outage across the month's first midnight (local): 30 of its 60 minutes fall in November; then 2 h.
  [`${OWN}/cam-1`]: [
    ['2025-10-20T00:00:00Z', 'online'],
    ['2025-10-31T16:30:00Z', 'offline'],
    ['2025-10-31T17:30:00Z', 'online'],
    ['2025-11-10T00:00:00Z', 'offline'],
    ['2025-11-10T02:00:00Z', 'online'],
  ],
  [`${OWN}/ap-1`]: [['2025-10-01T00:00:00Z', 'online']],
  // Four hours of maintenance: left out of both percentages.
  [`${OTHER}/cam-9`]: [
    ['2025-10-01T00:00:00Z', 'online'],
    ['2025-11-05T00:00:00Z', 'maintenance'],
    ['2025-11-05T04:00:00Z', 'online'],
  ],
};

const kinds: Record<string, AvailabilityPoint['kind']> = { 'cam-1': 'onvif-camera', 'ap-1': 'wifi-ap', 'cam-9': 'onvif-camera' };

function points(key: string): AvailabilityPoint[] {
  const [village, device] = key.split('/') as [string, string];
  return fixtures[key]!.map(([ts, state]) => ({ measurement: 'availability', village, device, kind: kinds[device]!, ts: z(ts), state }));
}

describe('uptime API and CSV exports', () => {
  let t: TestHub;
  let admin: Session;
  let leader: Session;

  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage, { id: OTHER, name: 'Gia Phú' }],
      devices: [
        { id: 'cam-1', village: OWN, name: 'Camera cổng, "chợ"', kind: 'onvif-camera', timeoutS: 600 },
        { id: 'ap-1', village: OWN, name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', timeoutS: 600 },
        { id: 'cam-9', village: OTHER, name: 'Camera Gia Phú', kind: 'onvif-camera', timeoutS: 600 },
      ],
      store: { kind: 'sqlite', writer: { flushMs: 50 } },
    });
    await t.hub.ctx.store.write(Object.keys(fixtures).flatMap(points));
    admin = await t.admin();
    leader = await sessionAs(t, 'lan', 'leader', [OWN]);
    // Alerts for the alert CSV: one resolved with an acknowledgement, one open in the other village.
    const alerts = new AlertStore(t.hub.ctx.state);
    const a = alerts.open({ key: `offline:${OWN}/cam-1`, village: OWN, device: 'cam-1', condition: 'offline', severity: 'critical', detail: {} }, z('2025-11-10T00:00:00Z')).alert;
    alerts.acknowledge(a.id, 'lan', 'đã gọi thợ, "sửa" dây', z('2025-11-10T00:30:00Z'));
    alerts.resolve(a.key, z('2025-11-10T02:00:00Z'), 'back');
    alerts.open({ key: `offline:${OTHER}/cam-9`, village: OTHER, device: 'cam-9', condition: 'offline', severity: 'critical', detail: {} }, z('2025-11-20T00:00:00Z'));
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  /** The body of a CSV answer, after checking it starts with the UTF-8 byte-order mark (fetch's text() drops it). */
  async function csvBody(res: Response): Promise<string> {
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)], 'UTF-8 BOM').toEqual([0xef, 0xbb, 0xbf]);
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).slice(1);
  }

  const q = (params: Record<string, string | number>) => new URLSearchParams(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))).toString();

  it('a device over a range: exactly the figures of its transitions, with the fields named in the issue', async () => {
    const from = z('2025-11-09T00:00:00Z');
    const to = z('2025-11-11T00:00:00Z');
    const body = await admin.json<DeviceUptimeView>(`/api/uptime?${q({ village: OWN, device: 'cam-1', from, to })}`);
    expect(Object.keys(body).sort()).toEqual(
      ['village', 'device', 'from', 'to', 'onlineMs', 'offlineMs', 'unreachableMs', 'maintenanceMs', 'unknownMs', 'uptimePct', 'availablePct', 'outages', 'longestOutageMs', 'mttrMs', 'mtbfMs'].sort(),
    );
    expect(body).toMatchObject({ village: OWN, device: 'cam-1', from, to, offlineMs: 120 * MIN, onlineMs: 46 * 60 * MIN, outages: 1, longestOutageMs: 120 * MIN, mttrMs: 120 * MIN, unknownMs: 0 });
    expect(body.uptimePct).toBe(95.8333); // 46 h of 48 h
  });

  it('from alone (an ISO 8601 date-time) runs to now; from ms and from ISO give the same figures', async () => {
    const before = Date.now();
    const body = await admin.json<DeviceUptimeView>(`/api/uptime?${q({ village: OWN, device: 'cam-1', from: '2025-11-10T07:00:00+07:00' })}`);
    expect(body.from).toBe(z('2025-11-10T00:00:00Z'));
    expect(body.to).toBeGreaterThanOrEqual(before);
    expect(body.to).toBeLessThanOrEqual(Date.now());
    expect(body).toMatchObject({ offlineMs: 120 * MIN, outages: 1 });
    const ms = await admin.json<DeviceUptimeView>(`/api/uptime?${q({ village: OWN, device: 'cam-1', from: z('2025-11-10T00:00:00Z'), to: z('2025-11-11T00:00:00Z') })}`);
    const iso = await admin.json<DeviceUptimeView>(`/api/uptime?${q({ village: OWN, device: 'cam-1', from: '2025-11-10T07:00:00+07:00', to: '2025-11-11T07:00:00+07:00' })}`);
    expect(iso).toEqual(ms);
  });

  it('a month in Asia/Ho_Chi_Minh: the outage across local midnight counts its November half', async () => {
    const body = await admin.json<DeviceUptimeView>(`/api/uptime?${q({ village: OWN, device: 'cam-1', month: '2025-11' })}`);
    expect(body.from).toBe(MONTH.from);
    expect(body.to).toBe(MONTH.to);
    expect(body.offlineMs).toBe(150 * MIN);
    expect(body.outages).toBe(2);
    expect(body.longestOutageMs).toBe(120 * MIN);
    expect(body.onlineMs).toBe(30 * 24 * 60 * MIN - 150 * MIN);
    expect(body.uptimePct).toBe(99.6528);
    expect(body).toEqual({ village: OWN, device: 'cam-1', ...uptimeOf(points(`${OWN}/cam-1`), MONTH.from, MONTH.to, Date.now()) });
  });

  it('a village: time-weighted over its devices, the worst device, and each device', async () => {
    const body = await admin.json<VillageUptimeView>(`/api/uptime?${q({ village: OWN, month: '2025-11' })}`);
    expect(body.village).toBe(OWN);
    expect(body.devices.map((d) => d.device).sort()).toEqual(['ap-1', 'cam-1']);
    expect(body.devices.every((d) => d.village === OWN)).toBe(true);
    const total = 30 * 24 * 60 * MIN;
    expect(body.offlineMs).toBe(150 * MIN);
    expect(body.onlineMs).toBe(2 * total - 150 * MIN);
    expect(body.uptimePct).toBe(Math.round(((2 * total - 150 * MIN) / (2 * total)) * 1e6) / 1e4);
    expect(body.worst).toEqual({ device: 'cam-1', uptimePct: 99.6528 });
    expect(body.outages).toBe(2);
  });

  it('without a village: every village the user may read — all for the admin, their own for a leader', async () => {
    const all = await admin.json<UptimeAllResponse>(`/api/uptime?${q({ month: '2025-11' })}`);
    expect(all.villages.map((v) => v.village)).toEqual([OWN, OTHER]);
    const gp = all.villages[1]!;
    expect(gp.devices[0]).toMatchObject({ device: 'cam-9', maintenanceMs: 240 * MIN, offlineMs: 0, uptimePct: 100 });
    const mine = await leader.json<UptimeAllResponse>(`/api/uptime?${q({ month: '2025-11' })}`);
    expect(mine.villages.map((v) => v.village)).toEqual([OWN]);
    const refused = await leader.fetch(`/api/uptime?${q({ village: OTHER, month: '2025-11' })}`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as ApiError).code).toBe('forbidden');
    expect((await fetch(`${t.httpUrl}/api/uptime?month=2025-11`)).status).toBe(401);
  });

  it('bad queries get a 400 naming the field, with the API codes', async () => {
    const cases: Array<[Record<string, string | number>, string, string]> = [
      [{ month: '2025-13' }, 'month', 'invalid-month'],
      [{ month: '2025-11', from: 0 }, 'month', 'month-or-range'],
      [{ village: OWN }, 'from', 'required'],
      [{ from: 'yesterday' }, 'from', 'invalid-date-time'],
      [{ from: 2000, to: 1000 }, 'from', 'to-before-from'],
      [{ from: 0, to: 3 * 366 * 24 * 60 * MIN }, 'from', 'range-too-long'],
      [{ village: 'xa-la', month: '2025-11' }, 'village', 'unknown-village'],
      [{ village: OWN, device: 'cam-404', month: '2025-11' }, 'device', 'unknown-device'],
      [{ device: 'cam-1', month: '2025-11' }, 'village', 'required'],
      [{ month: '2025-11', color: 'red' }, '(query)', 'unknown-field'],
    ];
    for (const [params, path, code] of cases) {
      const res = await admin.fetch(`/api/uptime?${q(params)}`);
      expect(res.status, JSON.stringify(params)).toBe(400);
      const body = (await res.json()) as ApiError;
      expect(body.code).toBe('invalid');
      expect(body.issues, JSON.stringify(params)).toEqual(expect.arrayContaining([expect.objectContaining({ path, code })]));
    }
  });

  it('uptime CSV: BOM, strict CSV, one row per device, the same figures as the JSON, a file name', async () => {
    const res = await admin.fetch(`/api/reports/uptime.csv?${q({ month: '2025-11' })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="uptime-2025-11.csv"');
    const rows = parseCsv(await csvBody(res));
    expect(rows[0]).toEqual(['Thôn', 'Mã thiết bị', 'Tên thiết bị', 'Loại', 'Tỷ lệ hoạt động (%)', 'Tỷ lệ dùng được (%)', 'Số lần mất kết nối', 'Lần mất lâu nhất (phút)', 'Thời gian khắc phục trung bình (phút)', 'Mất kết nối (phút)', 'Không truy cập được (phút)', 'Bảo trì (phút)', 'Không rõ (phút)']);
    expect(rows.length).toBe(1 + 3);
    const json = await admin.json<UptimeAllResponse>(`/api/uptime?${q({ month: '2025-11' })}`);
    const byId = new Map(json.villages.flatMap((v) => v.devices).map((d) => [d.device, d]));
    const minutes = (ms: number | null) => (ms === null ? '' : String(Math.round(ms / 600) / 100));
    for (const r of rows.slice(1)) {
      const d = byId.get(r[1]!)!;
      expect(r[0]).toBe(r[1] === 'cam-9' ? 'Gia Phú' : 'Đông Căm');
      expect(r.slice(4)).toEqual([String(d.uptimePct ?? ''), String(d.availablePct ?? ''), String(d.outages), minutes(d.longestOutageMs), minutes(d.mttrMs), minutes(d.offlineMs), minutes(d.unreachableMs), minutes(d.maintenanceMs), minutes(d.unknownMs)]);
    }
    // A name with a comma and quotes survives the round trip.
    expect(rows.find((r) => r[1] === 'cam-1')?.[2]).toBe('Camera cổng, "chợ"');
  });

  it('uptime CSV: English header with lang=en or Accept-Language: en; a village and a range in the file name', async () => {
    const en = csvRecords(await csvBody(await admin.fetch(`/api/reports/uptime.csv?${q({ month: '2025-11', lang: 'en' })}`)));
    expect(Object.keys(en[0]!).slice(0, 5)).toEqual(['Village', 'Device id', 'Device name', 'Kind', 'Uptime (%)']);
    const res = await admin.fetch(`/api/reports/uptime.csv?${q({ village: OWN, from: z('2025-11-01T00:00:00+07:00'), to: z('2025-11-08T00:00:00+07:00') })}`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="uptime-dong-cam-2025-11-01_2025-11-08.csv"');
    const rows = csvRecords(await csvBody(res));
    expect(rows.map((r) => r['Device id'])).toEqual(['cam-1', 'ap-1']);
    // The leader's CSV holds their village only.
    const mine = csvRecords(await csvBody(await leader.fetch(`/api/reports/uptime.csv?${q({ month: '2025-11' })}`)));
    expect(new Set(mine.map((r) => r['Thôn']))).toEqual(new Set(['Đông Căm']));
  });

  it('alert history: filters by village, device, condition and range; its CSV has the same rows, times in the village clock', async () => {
    const list = await admin.json<{ alerts: Array<{ device: string }> }>(`/api/alerts?${q({ status: 'all', village: OWN, device: 'cam-1', condition: 'offline', from: z('2025-11-01T00:00:00Z'), to: z('2025-11-15T00:00:00Z') })}`);
    expect(list.alerts.map((a) => a.device)).toEqual(['cam-1']);
    const none = await admin.json<{ alerts: unknown[] }>(`/api/alerts?${q({ status: 'all', from: z('2025-11-11T00:00:00Z'), to: z('2025-11-15T00:00:00Z') })}`);
    expect(none.alerts).toEqual([]);
    expect((await admin.fetch(`/api/alerts?${q({ status: 'all', condition: 'boom' })}`)).status).toBe(400);
    const res = await admin.fetch(`/api/reports/alerts.csv?${q({ from: z('2025-11-01T00:00:00Z'), to: z('2025-12-01T00:00:00Z') })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="alerts-2025-11-01_2025-12-01\.csv"$/);
    const rows = csvRecords(await csvBody(res));
    expect(rows.length).toBe(2);
    const acked = rows.find((r) => r['Thiết bị'] === 'Camera cổng, "chợ"')!;
    expect(acked).toEqual({
      'Thôn': 'Đông Căm',
      'Thiết bị': 'Camera cổng, "chợ"',
      'Sự cố': 'Mất kết nối',
      'Mức độ': 'Nghiêm trọng',
      'Bắt đầu': '2025-11-10 07:00',
      'Người xác nhận': 'lan',
      'Xác nhận lúc': '2025-11-10 07:30',
      'Ghi chú': 'đã gọi thợ, "sửa" dây',
      'Kết thúc': '2025-11-10 09:00',
      'Kéo dài (phút)': '120',
    });
    const mine = csvRecords(await csvBody(await leader.fetch(`/api/reports/alerts.csv?${q({ status: 'all' })}`)));
    expect(mine.map((r) => r['Thôn'])).toEqual(['Đông Căm']);
    expect((await leader.fetch(`/api/reports/alerts.csv?${q({ village: OTHER })}`)).status).toBe(403);
  });
});
