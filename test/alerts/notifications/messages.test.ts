import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderInputFor, renderMessage, type DelayCause, type Language } from '../../../hub/alerts/messages.js';
import { parseConfig } from '../../../hub/config/load.js';
import type { Alert, AlertChange } from '../../../hub/core/domain.js';
import { DeviceRegistry } from '../../../hub/registry/registry.js';
import { devices, makeAlert, villages } from './helpers.js';

const T0 = Date.parse('2026-11-25T07:02:00Z'); // 14:02 in Asia/Ho_Chi_Minh
const MIN = 60_000;

type Opts = { language?: Language; now?: number; delayedS?: number; delayCauses?: DelayCause[]; extra?: Record<string, unknown> };

function render(alert: Alert, change: AlertChange = 'fired', opts: Opts = {}) {
  const config = parseConfig(stringify({ villages, devices, notify: { language: opts.language ?? 'vi' }, ...opts.extra }), 'test');
  const input = renderInputFor(config, new DeviceRegistry(config), change, alert, alert.resolvedAt ?? alert.ackedAt ?? alert.escalatedAt ?? alert.startedAt);
  // Round-trips through JSON like the outbox payload does.
  return renderMessage(JSON.parse(JSON.stringify(input)) as typeof input, {
    now: opts.now ?? T0 + 5 * MIN,
    ...(opts.delayedS !== undefined ? { delayedS: opts.delayedS } : {}),
    ...(opts.delayCauses ? { delayCauses: opts.delayCauses } : {}),
  });
}

describe('alert messages (vi by default)', () => {
  it('says which camera, where, when and why — in the words of the issue', () => {
    const m = render(makeAlert({ startedAt: T0 }));
    expect(m.text).toBe('Camera cổng thôn (Đông Căm) mất kết nối lúc 14:02 — nguyên nhân: bộ phát Wi-Fi trung tâm mất điện');
    expect(m.title).toBe('Camera cổng thôn (Đông Căm) mất kết nối');
  });

  it('uses the registry name, explains hub reason codes, and the time the device actually went down', () => {
    const m = render(makeAlert({ startedAt: T0 + 3 * MIN, detail: { name: 'old name', reason: 'timeout', since: T0 } }));
    expect(m.text).toBe('Camera cổng thôn (Đông Căm) mất kết nối lúc 14:02 — nguyên nhân: không nhận được tín hiệu từ thiết bị');
  });

  it('a poller\'s reason code reads as its phrase in the configured language, never as the library\'s English', () => {
    const detail = { reason: 'ONVIF: 401 Unauthorized (wrong user name or password)', reasonCode: 'onvif-unauthorized', since: T0 };
    expect(render(makeAlert({ startedAt: T0, detail })).text).toBe(
      'Camera cổng thôn (Đông Căm) mất kết nối lúc 14:02 — nguyên nhân: camera từ chối mật khẩu (sai tên đăng nhập hoặc mật khẩu)',
    );
    expect(render(makeAlert({ startedAt: T0, detail }), 'fired', { language: 'en' }).text).toBe(
      'Camera cổng thôn (Đông Căm) went offline at 14:02 — cause: the camera refused the password (wrong user name or password)',
    );
    // With parameters: the port of a refused connection, the seconds of a timeout.
    const refused = { reason: 'TCP 10.0.0.6:554: connection refused', reasonCode: 'refused', reasonParams: { port: 554 } };
    expect(render(makeAlert({ startedAt: T0, detail: refused })).text).toContain('nguyên nhân: cổng 554 không mở (thiết bị từ chối kết nối)');
    const slow = { reason: 'timeout after 2.5 s', reasonCode: 'timeout', reasonParams: { s: 2.5 } };
    expect(render(makeAlert({ startedAt: T0, detail: slow })).text).toContain('nguyên nhân: không trả lời sau 2,5 giây');
    // The Internet link: in words, not the probes' "1.1.1.1:443: connection refused".
    const internet = makeAlert({ device: null, condition: 'internet-down', startedAt: T0, detail: { reason: '1.1.1.1:443: connection refused', reasonCode: 'internet-unreachable', reasonParams: { tried: 2 } } });
    expect(render(internet).text).toBe('Đường truyền Internet của thôn Đông Căm bị mất lúc 14:02 — nguyên nhân: không vào được Internet: 2 địa chỉ đã thử đều không trả lời');
    // A code this hub does not know: the raw text, as before codes.
    expect(render(makeAlert({ startedAt: T0, detail: { reason: 'quạt hỏng', reasonCode: 'fan-failed' } })).text).toContain('nguyên nhân: quạt hỏng');
  });

  it('prefers a reason code from the phrasebook to the raw reason text beside it', () => {
    const coded = render(makeAlert({ startedAt: T0, detail: { reasonCode: 'lwt', reason: 'keepalive timeout (client cam-gate, 10.0.0.23)' } }));
    expect(coded.text).toBe('Camera cổng thôn (Đông Căm) mất kết nối lúc 14:02 — nguyên nhân: thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)');
    // A code the phrasebook does not know: the text beside it is what there is.
    const unknown = render(makeAlert({ startedAt: T0, detail: { reasonCode: 'camera-overheat', reason: 'nhiệt độ 85 °C' } }));
    expect(unknown.text).toBe('Camera cổng thôn (Đông Căm) mất kết nối lúc 14:02 — nguyên nhân: nhiệt độ 85 °C');
  });

  it('a root that takes others down says how many', () => {
    const m = render(
      makeAlert({ device: 'ap-center', condition: 'unreachable-root', startedAt: T0, detail: { reason: 'lwt', affected: 4 } }),
    );
    expect(m.text).toBe(
      'Bộ phát Wi-Fi trung tâm (Đông Căm) mất kết nối lúc 14:02, kéo theo 4 thiết bị khác — nguyên nhân: thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)',
    );
  });

  it('names a root-cause device by its name when detail.cause is a device id', () => {
    const m = render(makeAlert({ startedAt: T0, detail: { cause: 'ap-center' } }));
    expect(m.text).toContain('nguyên nhân: Bộ phát Wi-Fi trung tâm mất kết nối');
  });

  it('back online, with how long it was interrupted, in words a villager uses', () => {
    const m = render(makeAlert({ startedAt: T0, status: 'resolved', resolvedAt: T0 + 28 * MIN }), 'resolved');
    expect(m.text).toBe('Camera cổng thôn (Đông Căm) hoạt động trở lại lúc 14:30 (gián đoạn 28 phút)');
    expect(m.title).toBe('Camera cổng thôn (Đông Căm) mất kết nối: đã khắc phục');
    // A short outage is told in seconds, not as "less than a minute".
    const short = render(makeAlert({ startedAt: T0, status: 'resolved', resolvedAt: T0 + 40_000 }), 'resolved');
    expect(short.text).toBe('Camera cổng thôn (Đông Căm) hoạt động trở lại lúc 14:02 (gián đoạn 40 giây)');
    const en = (ms: number) => render(makeAlert({ startedAt: T0, status: 'resolved', resolvedAt: T0 + ms }), 'resolved', { language: 'en' }).text;
    expect(en(4 * MIN)).toBe('Camera cổng thôn (Đông Căm) is back online at 14:06 (down for 4 min)');
    expect(en(40_000)).toBe('Camera cổng thôn (Đông Căm) is back online at 14:02 (interrupted for 40 s)');
  });

  it('acknowledged by someone, with the note', () => {
    const m = render(makeAlert({ startedAt: T0, status: 'acknowledged', ackedAt: T0 + 8 * MIN, ackedBy: 'anh Tư', ackNote: 'đang đi kiểm tra' }), 'acknowledged');
    expect(m.text).toBe('Camera cổng thôn (Đông Căm) mất kết nối — đã được anh Tư xác nhận lúc 14:10\nGhi chú: đang đi kiểm tra');
  });

  it('escalation says nobody acknowledged it after N minutes', () => {
    const m = render(makeAlert({ startedAt: T0, escalatedAt: T0 + 30 * MIN }), 'escalated');
    expect(m.text).toBe('Chưa ai xác nhận sau 30 phút: Camera cổng thôn (Đông Căm) mất kết nối lúc 14:02 — nguyên nhân: bộ phát Wi-Fi trung tâm mất điện');
    expect(m.title).toMatch(/^Chưa ai xác nhận: /);
  });

  it('flapping, threshold, internet and meeting wording', () => {
    // Outages are counted, not state changes: six changes from online are three outages.
    expect(render(makeAlert({ condition: 'flapping', startedAt: T0, detail: { outages: 3, changes: 6 } })).text).toBe(
      'Camera cổng thôn (Đông Căm) chập chờn (mất kết nối 3 lần trong 10 phút) từ 14:02',
    );
    expect(render(makeAlert({ condition: 'flapping', startedAt: T0, detail: { changes: 6 } })).text).toContain('(mất kết nối 3 lần trong 10 phút)');
    expect(render(makeAlert({ condition: 'flapping', startedAt: T0, detail: { outages: 3, changes: 6 } }), 'fired', { language: 'en' }).text).toBe(
      'Camera cổng thôn (Đông Căm) is flapping (went offline 3 times in 10 min) since 14:02',
    );
    const crowded = makeAlert({
      device: 'ap-center',
      condition: 'threshold',
      severity: 'warning',
      startedAt: T0,
      detail: { kind: 'wifi-ap', metric: 'clients', value: 63, op: '>', threshold: 50, label: 'quá nhiều người dùng Wi-Fi' },
    });
    // The metric reads as the dashboard shows it: its label and unit from the kind's descriptor.
    expect(render(crowded).text).toBe('Bộ phát Wi-Fi trung tâm (Đông Căm): quá nhiều người dùng Wi-Fi lúc 14:02 (Người dùng Wi-Fi: 63, ngưỡng > 50)');
    const internet = makeAlert({ device: null, condition: 'internet-down', startedAt: T0, detail: { reason: null } });
    expect(render(internet).text).toBe('Đường truyền Internet của thôn Đông Căm bị mất lúc 14:02');
    expect(render({ ...internet, resolvedAt: T0 + 95 * MIN }, 'resolved').text).toBe('Đường truyền Internet của thôn Đông Căm đã có lại lúc 15:37 (gián đoạn 1 giờ 35 phút)');
    const meeting = makeAlert({
      device: null,
      condition: 'meeting-not-ready',
      startedAt: T0,
      detail: { title: 'Họp giao ban xã', startAt: Date.parse('2026-11-25T07:30:00Z'), failed: 'Màn hình phòng họp, đường truyền Internet' },
    });
    expect(render(meeting).text).toBe(
      'Bộ họp trực tuyến (Đông Căm) chưa sẵn sàng cho cuộc họp "Họp giao ban xã" lúc 14:30 — cần kiểm tra: Màn hình phòng họp, đường truyền Internet',
    );
    expect(render({ ...meeting, resolvedAt: T0 + 10 * MIN }, 'resolved').text).toBe('Bộ họp trực tuyến (Đông Căm) đã sẵn sàng cho cuộc họp "Họp giao ban xã" (14:12)');
    const unlabelled = { ...crowded, detail: { ...crowded.detail, label: null } };
    expect(render(unlabelled).text).toBe('Bộ phát Wi-Fi trung tâm (Đông Căm): Người dùng Wi-Fi vượt ngưỡng lúc 14:02 (Người dùng Wi-Fi: 63, ngưỡng > 50)');
  });

  it('a critical device event: its type in words, the device\'s own message as sent', () => {
    const tamper = makeAlert({ key: 'event:tamper:dong-cam/cam-gate', condition: 'event', startedAt: T0, detail: { type: 'tamper', message: 'Vỏ camera bị mở' } });
    expect(render(tamper).text).toBe('Camera cổng thôn (Đông Căm) báo sự cố nghiêm trọng lúc 14:02: có người can thiệp vào thiết bị — Vỏ camera bị mở');
    expect(render(tamper).title).toBe('Camera cổng thôn (Đông Căm) báo sự cố: có người can thiệp vào thiết bị');
    expect(render({ ...tamper, resolvedAt: T0 + 8 * MIN }, 'resolved').text).toBe('Camera cổng thôn (Đông Căm): sự cố "có người can thiệp vào thiết bị" đã hết lúc 14:10');
    expect(render(tamper, 'fired', { language: 'en' }).text).toBe('Camera cổng thôn (Đông Căm) reported a critical event at 14:02: someone tampered with the device — Vỏ camera bị mở');
    // A type the phrasebook does not know is shown as sent.
    expect(render(makeAlert({ condition: 'event', startedAt: T0, detail: { type: 'fan-stuck' } })).text).toBe('Camera cổng thôn (Đông Căm) báo sự cố nghiêm trọng lúc 14:02: fan-stuck');
  });

  it('adds the delay line only when delivery is more than a minute late, naming the cause the outbox saw', () => {
    const a = makeAlert({ startedAt: T0 });
    expect(render(a, 'fired', { delayedS: 60 }).text).not.toContain('gửi chậm');
    const late = (delayCauses: DelayCause[]) => render(a, 'fired', { delayedS: 47 * 60, delayCauses }).text.split('\n');
    expect(late([{ kind: 'internet' }])).toEqual([
      'Camera cổng thôn (Đông Căm) mất kết nối lúc 14:02 — nguyên nhân: bộ phát Wi-Fi trung tâm mất điện',
      '(Tin nhắn gửi chậm 47 phút do mất kết nối Internet)',
    ]);
    // Without a link outage, the message never blames the Internet.
    expect(late([])[1]).toBe('(Tin nhắn gửi chậm 47 phút)');
    expect(late([{ kind: 'receiver', channel: 'webhook', status: 503 }])[1]).toBe('(Tin nhắn gửi chậm 47 phút do nơi nhận tin (webhook) báo lỗi 503)');
    expect(late([{ kind: 'receiver', channel: 'Telegram' }])[1]).toBe('(Tin nhắn gửi chậm 47 phút do không kết nối được tới nơi nhận tin (Telegram))');
    expect(late([{ kind: 'hub', from: T0 + MIN, to: T0 + 40 * MIN }, { kind: 'internet' }])[1]).toBe(
      '(Tin nhắn gửi chậm 47 phút do trung tâm không hoạt động từ 14:03 đến 14:42 và mất kết nối Internet)',
    );
  });

  it('shows the date when the event was on another day than delivery', () => {
    const m = render(makeAlert({ startedAt: T0 }), 'fired', { now: T0 + 20 * 60 * MIN, delayedS: 20 * 3600, delayCauses: [{ kind: 'internet' }] });
    expect(m.text).toContain('mất kết nối lúc 14:02 ngày 25/11');
    expect(m.text).toContain('(Tin nhắn gửi chậm 20 giờ do mất kết nối Internet)');
  });

  it('uses the village time zone', () => {
    const extra = { villages: [{ id: 'dong-cam', name: 'Đông Căm', timezone: 'Asia/Tokyo' }, villages[1]] };
    expect(render(makeAlert({ startedAt: T0 }), 'fired', { extra }).text).toContain('lúc 16:02');
  });

  it('English when configured', () => {
    const m = render(makeAlert({ startedAt: T0 }), 'fired', { language: 'en', delayedS: 300, delayCauses: [{ kind: 'internet' }] });
    expect(m.text).toBe('Camera cổng thôn (Đông Căm) went offline at 14:02 — cause: bộ phát Wi-Fi trung tâm mất điện\n(Message delayed 5 min because the Internet link was down)');
    const refused = render(makeAlert({ startedAt: T0 }), 'fired', { language: 'en', delayedS: 300, delayCauses: [{ kind: 'receiver', channel: 'webhook' }] });
    expect(refused.text.split('\n')[1]).toBe('(Message delayed 5 min because the receiver (webhook) could not be reached)');
    expect(render(makeAlert({ startedAt: T0, resolvedAt: T0 + 3 * MIN }), 'resolved', { language: 'en' }).text).toBe(
      'Camera cổng thôn (Đông Căm) is back online at 14:05 (down for 3 min)',
    );
  });

  it('stays short: long device texts are clipped', () => {
    const m = render(makeAlert({ startedAt: T0, detail: { reason: 'x'.repeat(5000) } }));
    expect(m.text.length).toBeLessThan(300);
  });
});
