import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hubParts } from './hub-parts.js';

/**
 * "One problem, one alert", counted in messages: availability, the alert engine and the outbox together,
 * driven the way devices behave. The rules are written in docs/alerts.md.
 */
const S = 1_000;
const MIN = 60 * S;
// 07:00 UTC = 14:00 in Asia/Ho_Chi_Minh
const T0 = Date.parse('2026-11-25T07:00:00Z');

let parts: ReturnType<typeof hubParts> | null = null;
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(async () => {
  await parts?.stop();
  parts = null;
  vi.useRealTimers();
});

const start = (yaml: string) => (parts = hubParts(yaml));

/** Lets `ms` pass while the `live` devices keep talking (a message every 5 s, inside any heartbeat timeout). */
function run(h: ReturnType<typeof hubParts>, ms: number, live: () => string[]): void {
  for (let left = ms; left > 0; left -= 5 * S) {
    vi.advanceTimersByTime(Math.min(5 * S, left));
    for (const d of live()) h.seen(d);
  }
}

describe('a router that reboots three times in 30 s', () => {
  // Status-driven devices (long heartbeat timeouts): only what they say counts.
  const topology = `
villages: [{ id: dong-cam, name: Đông Căm }]
devices:
  - { id: router, village: dong-cam, name: Bộ định tuyến, kind: router, timeoutS: 3600 }
  - { id: switch, village: dong-cam, name: Bộ chia mạng, kind: switch, parent: router, timeoutS: 3600 }
  - { id: cam, village: dong-cam, name: Camera cổng làng, kind: onvif-camera, parent: switch, timeoutS: 3600 }
  - { id: ap, village: dong-cam, name: Wi-Fi nhà văn hoá, kind: wifi-ap, parent: router, timeoutS: 3600 }
`;
  const children = ['switch', 'cam', 'ap'];

  function reboot(h: ReturnType<typeof hubParts>, childrenFirst = false): void {
    // The devices behind it lose their connection to the hub: their Last Wills come (sometimes just before the router's).
    if (childrenFirst) for (const d of children) h.status(d, 'offline', 'lwt');
    h.status('router', 'offline', 'lwt');
    vi.advanceTimersByTime(1 * S);
    if (!childrenFirst) for (const d of children) h.status(d, 'offline', 'lwt');
    vi.advanceTimersByTime(3 * S);
    h.status('router', 'online');
    vi.advanceTimersByTime(2 * S);
    for (const d of children) h.status(d, 'online');
    vi.advanceTimersByTime(4 * S);
  }

  it('sends the router\'s outage alert, then one flapping alert for it, and nothing about the devices behind it', () => {
    const h = start(topology);
    for (const d of ['router', ...children]) h.status(d, 'online');
    for (let i = 0; i < 3; i++) reboot(h, i === 1);
    vi.advanceTimersByTime(MIN);
    expect(h.messages()).toEqual([
      'fired: Bộ định tuyến (Đông Căm) mất kết nối lúc 14:00, kéo theo 3 thiết bị khác: Bộ chia mạng, Wi-Fi nhà văn hoá, Camera cổng làng — nguyên nhân: thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)',
      'fired: Bộ định tuyến (Đông Căm) chập chờn (mất kết nối 3 lần trong 10 phút) từ 14:00',
    ]);
    // The outage alert is closed, taken over by the flapping alert (no message of its own).
    expect(h.engine.store.list({ status: 'all', limit: 10 }).map((a) => `${a.status} ${a.key}`)).toEqual([
      'firing flapping:dong-cam/router',
      'resolved unreachable-root:dong-cam/router',
    ]);
    // The devices behind it changed only because of it: none of them is flapping.
    for (const d of children) expect(h.availability.isFlapping({ village: 'dong-cam', device: d })).toBe(false);

    // Stable for settleS (10 min): one more message, and that is all.
    vi.advanceTimersByTime(10 * MIN);
    expect(h.messages()).toHaveLength(3);
    expect(h.messages()[2]).toBe('resolved: Bộ định tuyến (Đông Căm) đã ổn định trở lại lúc 14:10');
  });

  it('a single reboot is one alert and one recovery that says the devices behind it are back', () => {
    const h = start(topology);
    for (const d of ['router', ...children]) h.status(d, 'online');
    reboot(h);
    vi.advanceTimersByTime(MIN);
    expect(h.messages()).toEqual([
      'fired: Bộ định tuyến (Đông Căm) mất kết nối lúc 14:00, kéo theo 3 thiết bị khác: Bộ chia mạng, Wi-Fi nhà văn hoá, Camera cổng làng — nguyên nhân: thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)',
      'resolved: Bộ định tuyến (Đông Căm) hoạt động trở lại lúc 14:00 (gián đoạn 4 giây); các thiết bị phía sau cũng đã có lại',
    ]);
  });
});

describe('the devices a root cause took down', () => {
  const many = `
villages: [{ id: dong-cam, name: Đông Căm }]
devices:
  - { id: router, village: dong-cam, name: Bộ định tuyến, kind: router, timeoutS: 3600 }
${Array.from({ length: 8 }, (_, i) => `  - { id: cam-${i + 1}, village: dong-cam, name: Camera ${i + 1}, kind: onvif-camera, parent: router, timeoutS: 60 }`).join('\n')}
maintenance:
  - { village: dong-cam, device: cam-8, from: "2026-11-25T13:00", to: "2026-11-25T16:00", note: thay camera }
`;

  it('are counted and named (up to five), without those in maintenance or down before; the recovery names those still down', () => {
    const h = start(many);
    for (let i = 1; i <= 7; i++) h.status(`cam-${i}`, 'online');
    h.status('router', 'online');
    // cam-7 died on its own a while ago: its own alert, not the router's doing.
    h.status('cam-7', 'offline', 'mất điện');
    const up = Array.from({ length: 6 }, (_, i) => `cam-${i + 1}`);
    run(h, 5 * MIN, () => up);
    h.status('router', 'offline', 'timeout');
    for (let i = 1; i <= 6; i++) h.status(`cam-${i}`, 'offline', 'lwt');
    expect(h.messages().at(-1)).toBe(
      'fired: Bộ định tuyến (Đông Căm) mất kết nối lúc 14:05, kéo theo 6 thiết bị khác: Camera 1, Camera 2, Camera 3, Camera 4, Camera 5 và 1 thiết bị khác — nguyên nhân: không nhận được tín hiệu từ thiết bị',
    );
    vi.advanceTimersByTime(2 * MIN);
    h.status('router', 'online');
    for (let i = 1; i <= 5; i++) h.status(`cam-${i}`, 'online');
    // cam-6 does not come back within its heartbeat timeout (60 s): the recovery says so.
    run(h, 59 * S, () => up.slice(0, 5));
    expect(h.messages()).toHaveLength(2);
    run(h, 1 * S, () => up.slice(0, 5));
    expect(h.messages().slice(2)).toEqual([
      'fired: Camera 6 (Đông Căm) mất kết nối lúc 14:07 — nguyên nhân: thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)',
      'resolved: Bộ định tuyến (Đông Căm) hoạt động trở lại lúc 14:07 (gián đoạn 2 phút); vẫn chưa có lại: Camera 6',
    ]);
    expect(h.messages()[0]).toBe('fired: Camera 7 (Đông Căm) mất kết nối lúc 14:00 — nguyên nhân: mất điện');
  });
});

describe('maintenance', () => {
  const withWindow = `
villages: [{ id: dong-cam, name: Đông Căm }]
devices:
  - { id: cam, village: dong-cam, name: Camera cổng làng, kind: onvif-camera }
  - { id: cam-2, village: dong-cam, name: Camera chợ, kind: onvif-camera }
maintenance:
  # 14:00–15:00 in the village
  - { village: dong-cam, from: "2026-11-25T14:00", to: "2026-11-25T15:00", note: sửa điện }
`;

  it('a camera power-cycled in its window raises nothing, then or after, and a hold begun inside starts again after it', () => {
    const h = start(withWindow);
    h.status('cam', 'online');
    h.status('cam-2', 'online');
    expect(h.stateOf('cam')).toBe('maintenance');
    let cam2Up = true;
    const live = () => (cam2Up ? ['cam-2'] : []);
    // Power-cycled again and again, and dark while the electrician works.
    for (let i = 0; i < 8; i++) {
      run(h, 2 * MIN, live);
      h.status('cam', 'offline', 'lwt');
      h.reading('cam-2', { imageLuma: 3 });
      run(h, 1 * MIN, live);
      h.status('cam', 'online');
    }
    // cam-2 loses power near the end of the window and is back a few seconds after it: leaving the window,
    // a device gets its heartbeat timeout (7 s for a camera) to show it is alive before "offline" counts.
    run(h, 30 * MIN, () => ['cam', ...live()]);
    h.status('cam-2', 'offline', 'lwt');
    cam2Up = false;
    h.reading('cam', { imageLuma: 2 });
    run(h, 6 * MIN, () => ['cam']); // 15:00: the window closes
    expect(h.stateOf('cam')).toBe('online');
    expect(h.stateOf('cam-2')).toBe('offline');
    vi.advanceTimersByTime(6 * S);
    h.status('cam-2', 'online');
    expect(h.availability.isFlapping({ village: 'dong-cam', device: 'cam' })).toBe(false);
    expect(h.messages()).toEqual([]);

    // Still dark after the window: the camera-dark hold (2 min) counts from the first reading after it.
    h.reading('cam', { imageLuma: 2 });
    const firstAfter = Date.now();
    run(h, 2 * MIN - 1, () => ['cam', 'cam-2']);
    h.reading('cam', { imageLuma: 2 });
    expect(h.messages()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(h.messages()).toHaveLength(1);
    expect(h.messages()[0]).toMatch(/^fired: Camera cổng làng \(Đông Căm\): /);
    expect(h.engine.store.listOpen()[0]?.startedAt).toBe(firstAfter + 2 * MIN);
  });
});
