import { createHmac } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Notifications } from '../../../hub/alerts/outbox.js';
import { AlertStore } from '../../../hub/alerts/store.js';
import { DeviceStateRepo } from '../../../hub/state/device-states.js';
import type { Alert } from '../../../hub/core/domain.js';
import { emitAlert, makeAlert, makeCtx, shiftedClock, sleep, startHttp, tempDir, waitFor, type HttpRequest, type TestCtx } from './helpers.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';

const SECRET = 'village-secret-123';
const cleanups = cleanupsAfter('each');

type Retry = { initialS?: number; maxS?: number; expireAfterS?: number };

/** Three webhook channels on one receiver, told apart by path; routes as a commune would set them. */
function doc(url: string, retry: Retry = {}) {
  return {
    notify: {
      channels: [
        { id: 'hook-dc', type: 'webhook', url: `${url}/dc`, secret: SECRET },
        { id: 'hook-all', type: 'webhook', url: `${url}/all` },
        { id: 'commune-it', type: 'webhook', url: `${url}/it` },
      ],
      routes: [
        { villages: ['dong-cam'], minSeverity: 'warning', channels: ['hook-dc'] },
        { minSeverity: 'critical', channels: ['hook-all'] },
      ],
      escalation: { channels: ['commune-it'] },
      retry: { initialS: 0.1, maxS: 0.4, expireAfterS: 3600, ...retry },
    },
  };
}

async function setup(retry: Retry = {}) {
  const tmp = await tempDir();
  const http = await startHttp();
  const clock = shiftedClock();
  let t = makeCtx(doc(http.url, retry), path.join(tmp.dir, 'state.db'), clock);
  let n = new Notifications(t.ctx);
  n.start();
  cleanups.push(tmp.remove, http.close, () => t.close(), () => n.stop());
  return {
    http,
    clock,
    get t(): TestCtx {
      return t;
    },
    get n(): Notifications {
      return n;
    },
    /** Stops the module and closes the DB, then builds both again over the same file: a hub restart. */
    async restart() {
      await n.stop();
      t = t.reopen();
      n = new Notifications(t.ctx);
      n.start();
    },
  };
}

const accepted = (reqs: HttpRequest[], ok: Set<HttpRequest>) => reqs.filter((r) => ok.has(r));
const alertOf = (r: HttpRequest) => (r.body.alert as Alert).id;
const keyOf = (r: HttpRequest) => r.headers['idempotency-key'] as string;

describe('notifications outbox', () => {
  it('routes by village and severity; acks and resolutions follow the fired message; escalation goes to commune IT', async () => {
    const s = await setup();
    const a1 = makeAlert(); // dong-cam critical → hook-dc + hook-all
    const a2 = makeAlert({ severity: 'info' }); // below every route
    const a3 = makeAlert({ severity: 'warning', condition: 'threshold', detail: { label: 'quá nhiều người dùng Wi-Fi' } }); // hook-dc only
    const a4 = makeAlert({ village: 'gia-phu', device: 'cam-market', severity: 'warning' }); // nobody
    const a5 = makeAlert({ village: 'gia-phu', device: 'cam-market', startedAt: Date.now() - 1_800_000 }); // hook-all; escalated after 30 min
    for (const a of [a1, a2, a3, a4, a5]) emitAlert(s.t, 'fired', a);
    emitAlert(s.t, 'fired', a1); // a repeated event is not a second message
    emitAlert(s.t, 'resolved', { ...a3, status: 'resolved', resolvedAt: Date.now() });
    emitAlert(s.t, 'acknowledged', { ...a1, status: 'acknowledged', ackedAt: Date.now(), ackedBy: 'chị Lan', ackNote: null });
    emitAlert(s.t, 'escalated', { ...a5, escalatedAt: Date.now() });
    emitAlert(s.t, 'resolved', { ...a5, status: 'resolved', resolvedAt: Date.now() });

    const expected = [
      `/dc fired ${a1.id}`,
      `/all fired ${a1.id}`,
      `/dc fired ${a3.id}`,
      `/all fired ${a5.id}`,
      `/dc resolved ${a3.id}`,
      `/dc acknowledged ${a1.id}`,
      `/all acknowledged ${a1.id}`,
      `/it escalated ${a5.id}`,
      `/all resolved ${a5.id}`,
      `/it resolved ${a5.id}`,
    ];
    const seen = () => s.http.requests.map((r) => `${r.path} ${String(r.body.change)} ${alertOf(r)}`);
    await waitFor(() => s.http.requests.length >= expected.length, 5_000, 'all routed messages');
    await sleep(200);
    expect(seen().sort()).toEqual([...expected].sort());
    // Per channel, in the order queued.
    for (const p of ['/dc', '/all', '/it']) expect(seen().filter((x) => x.startsWith(`${p} `))).toEqual(expected.filter((x) => x.startsWith(`${p} `)));
    expect(s.t.counters.get('notify.sent')).toBe(10);
    expect(s.n.stats()).toMatchObject({ pending: 0, delivered: 10 });
    const esc = s.http.requests.find((r) => r.path === '/it' && r.body.change === 'escalated');
    expect(esc?.body.text).toMatch(/^Chưa ai xác nhận sau \d+ phút: Camera chợ \(Gia Phú\) mất kết nối lúc/);
  });

  it('a receiver that is down for a while gets every message later, in order, exactly once, saying it is late and why', async () => {
    const s = await setup();
    const ok = new Set<HttpRequest>();
    s.http.set(() => ({ status: 503, body: 'maintenance' }));
    const alerts = Array.from({ length: 5 }, (_, i) => makeAlert({ village: 'gia-phu', device: 'cam-market', startedAt: Date.now() + i }));
    for (const a of alerts) emitAlert(s.t, 'fired', a);
    await waitFor(() => s.http.requests.length >= 3, 5_000, 'retries against 503');
    // Only the oldest is retried while the channel fails: the others wait behind it.
    expect(new Set(s.http.requests.map(alertOf))).toEqual(new Set([alerts[0]?.id]));
    expect(s.n.stats().channels.find((c) => c.id === 'hook-all')?.lastError).toBe('webhook: 503 Service Unavailable: maintenance');

    await s.http.close(); // now the port refuses connections
    const failedBefore = s.t.counters.get('notify.failed_attempts');
    await waitFor(() => s.t.counters.get('notify.failed_attempts') > failedBefore + 1, 5_000, 'refused attempts');
    expect(s.n.stats().channels.find((c) => c.id === 'hook-all')?.lastError).toBe('webhook: connection refused');
    s.clock.shift(5 * 60_000); // five minutes pass

    s.http.set((r) => (ok.add(r), { status: 200, body: 'ok' }));
    await s.http.reopen();
    await waitFor(() => ok.size === 5, 5_000, 'delivery after the receiver returns');
    await sleep(300);
    const got = accepted(s.http.requests, ok);
    expect(got.map(alertOf)).toEqual(alerts.map((a) => a.id));
    expect(new Set(got.map(keyOf)).size).toBe(5);
    for (const r of got) {
      // The receiver refused connections last; the village's Internet link was never seen down.
      expect(r.body.text).toMatch(/\n\(Tin nhắn gửi chậm 5 phút do không kết nối được tới nơi nhận tin \(webhook\)\)$/);
      expect(r.body.delayedS).toBeGreaterThanOrEqual(300);
      expect(r.body.id).toBe(keyOf(r));
    }
    expect(s.t.counters.get('notify.sent')).toBe(5);
    expect(s.n.stats()).toMatchObject({ pending: 0, delivered: 5, oldestPendingAt: null });
  });

  it('a late message names the Internet link only when an outage of it was recorded during the wait', async () => {
    const s = await setup();
    s.http.set(() => ({ status: 503 }));
    const a = makeAlert({ village: 'gia-phu', device: 'cam-market' });
    emitAlert(s.t, 'fired', a);
    await waitFor(() => s.t.counters.get('notify.failed_attempts') >= 1, 5_000, 'a refused attempt');
    // The link goes down and comes back while the message waits (as the alert engine records it).
    const store = new AlertStore(s.t.ctx.state);
    const link = store.open({ key: 'internet-down:*', village: '*', device: null, condition: 'internet-down', severity: 'critical', detail: {} }, s.clock.now());
    s.clock.shift(3 * 60_000);
    store.resolve(link.alert.key, s.clock.now(), 'up');
    const ok = new Set<HttpRequest>();
    s.http.set((r) => (ok.add(r), { status: 200 }));
    s.n.retryNow();
    await waitFor(() => ok.size === 1, 5_000, 'delivery');
    expect([...ok][0]?.body.text).toMatch(/\n\(Tin nhắn gửi chậm 3 phút do mất kết nối Internet\)$/);
  });

  it('a late message says the receiver refused it, with the status, when that is what held it back', async () => {
    const s = await setup();
    s.http.set(() => ({ status: 503 }));
    emitAlert(s.t, 'fired', makeAlert({ village: 'gia-phu', device: 'cam-market' }));
    await waitFor(() => s.t.counters.get('notify.failed_attempts') >= 1, 5_000, 'a refused attempt');
    s.clock.shift(2 * 60_000);
    const ok = new Set<HttpRequest>();
    s.http.set((r, n) => (n > 2 ? (ok.add(r), { status: 200 }) : { status: 503 }));
    await waitFor(() => ok.size === 1, 5_000, 'delivery');
    expect([...ok][0]?.body.text).toMatch(/\n\(Tin nhắn gửi chậm 2 phút do nơi nhận tin \(webhook\) báo lỗi 503\)$/);
  });

  it('a message that waited while the hub was not running says when the hub was away', async () => {
    const s = await setup();
    // The running hub records its heartbeat (availability does this every 10 s)…
    new DeviceStateRepo(s.t.ctx.state).heartbeat(s.clock.now());
    // …and stops (the village PC loses power) right after queueing a message.
    await s.n.stop();
    s.n.enqueue('fired', makeAlert({ village: 'gia-phu', device: 'cam-market' }), s.clock.now());
    s.clock.shift(30 * 60_000);
    await s.restart();
    await waitFor(() => s.http.requests.length === 1, 5_000, 'delivery after the restart');
    const line = (s.http.requests[0]?.body.text as string).split('\n')[1];
    expect(line).toMatch(/^\(Tin nhắn gửi chậm 30 phút do trung tâm không hoạt động từ \d{2}:\d{2} đến \d{2}:\d{2}\)$/);
  });

  it('the hub\'s Internet link is one alert for all its villages, and routes naming villages receive it', async () => {
    const s = await setup();
    const link = makeAlert({ key: 'internet-down:*', village: '*', device: null, condition: 'internet-down', startedAt: Date.now(), detail: { reason: null } });
    emitAlert(s.t, 'fired', link);
    await waitFor(() => s.http.requests.length >= 2, 5_000, 'both routes');
    await sleep(200);
    // hook-dc covers only dong-cam, hook-all every village: both get it, once.
    expect(s.http.requests.map((r) => r.path).sort()).toEqual(['/all', '/dc']);
    expect(s.http.requests[0]?.body.text).toMatch(/^Đường truyền Internet của trung tâm \(thôn Đông Căm, thôn Gia Phú\) bị mất lúc \d{2}:\d{2}$/);
  });

  it('signs the exact body with HMAC-SHA256 when the channel has a secret', async () => {
    const s = await setup();
    emitAlert(s.t, 'fired', makeAlert({ severity: 'warning' }));
    const r = await waitFor(() => s.http.requests[0]);
    expect(r.path).toBe('/dc');
    expect(r.headers['x-langso-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(r.raw).digest('hex')}`);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body).toMatchObject({ change: 'fired', delayedS: 0, text: expect.stringContaining('Camera cổng thôn (Đông Căm) mất kết nối lúc') });
  });

  it('a 4xx refusal is not retried, and does not hold back the next message', async () => {
    const s = await setup();
    const bad = makeAlert({ village: 'gia-phu', device: 'cam-market' });
    const good = makeAlert({ village: 'gia-phu', device: 'cam-market' });
    s.http.set((r) => (alertOf(r) === bad.id ? { status: 400, body: { error: 'unknown field' } } : { status: 200 }));
    emitAlert(s.t, 'fired', bad);
    emitAlert(s.t, 'fired', good);
    await waitFor(() => s.http.requests.some((r) => alertOf(r) === good.id));
    await sleep(800); // several backoff periods
    expect(s.http.requests.filter((r) => alertOf(r) === bad.id)).toHaveLength(1);
    const [row] = s.n.list({ status: 'failed' });
    expect(row).toMatchObject({ alertId: bad.id, attempts: 1, lastError: 'webhook: 400 Bad Request: {"error":"unknown field"}' });
    expect(s.t.counters.get('notify.failed')).toBe(1);
    expect(s.t.counters.get('notify.sent')).toBe(1);
  });

  it('gives up a queued message that can no longer be read, counted, and sends the next', async () => {
    const s = await setup();
    s.http.set(() => ({ status: 503 }));
    const broken = makeAlert({ village: 'gia-phu', device: 'cam-market' });
    emitAlert(s.t, 'fired', broken);
    await waitFor(() => s.http.requests.length > 0, 3_000, 'first attempt');
    // A row damaged on disk (an interrupted write of an older version, a hand edit).
    s.t.ctx.state.prepare('UPDATE outbox SET payload = ? WHERE alert_id = ?').run('{"alert":', broken.id);
    s.http.set(() => ({ status: 200 }));
    const next = makeAlert({ village: 'gia-phu', device: 'cam-market' });
    emitAlert(s.t, 'fired', next);
    await waitFor(() => s.n.stats().failed === 1 && s.n.stats().delivered === 1, 3_000, 'broken row given up, next delivered');
    expect(s.n.list({ status: 'failed' })[0]).toMatchObject({ alertId: broken.id, lastError: 'unreadable outbox row' });
    expect(s.http.requests.filter((r) => alertOf(r) === next.id)).toHaveLength(1);
    expect(s.t.counters.get('notify.failed')).toBe(1);
  });

  it('gives a message up after expireAfterS, counted', async () => {
    const s = await setup({ expireAfterS: 0.6 });
    s.http.set(() => ({ status: 503 }));
    emitAlert(s.t, 'fired', makeAlert({ village: 'gia-phu', device: 'cam-market' }));
    await waitFor(() => s.n.stats().expired === 1, 3_000, 'expiry');
    const tries = s.http.requests.length;
    await sleep(500);
    expect(s.http.requests.length).toBe(tries);
    expect(s.t.counters.get('notify.expired')).toBe(1);
    expect(s.n.list()[0]).toMatchObject({ status: 'expired', lastError: 'webhook: 503 Service Unavailable' });
  });

  it('retries at once when the internet comes back, instead of waiting out the backoff', async () => {
    const s = await setup({ initialS: 60, maxS: 600 });
    await s.http.close();
    emitAlert(s.t, 'fired', makeAlert({ village: 'gia-phu', device: 'cam-market' }));
    await waitFor(() => s.t.counters.get('notify.failed_attempts') >= 1);
    await s.http.reopen();
    await sleep(300);
    expect(s.http.requests).toHaveLength(0); // still backing off (about a minute)
    s.t.ctx.bus.emit('internet', { state: 'up', ts: Date.now() });
    await waitFor(() => s.http.requests.length === 1, 2_000, 'delivery on internet up');
    // The receiver has it; the hub marks it delivered once the response is back.
    await waitFor(() => s.n.stats().delivered === 1, 2_000, 'marked delivered');
    expect(s.http.requests).toHaveLength(1);
  });

  it('survives a hub restart: pending messages go out after it, none lost, none twice', async () => {
    const s = await setup();
    await s.http.close();
    const alerts = [makeAlert({ village: 'gia-phu', device: 'cam-market' }), makeAlert(), makeAlert({ village: 'gia-phu', device: 'cam-market' })];
    for (const a of alerts) emitAlert(s.t, 'fired', a);
    await waitFor(() => s.t.counters.get('notify.failed_attempts') >= 2);
    expect(s.n.stats().pending).toBe(4); // a1 → all; a2 → dc + all; a3 → all

    await s.restart();
    expect(s.n.stats().pending).toBe(4);
    await s.http.reopen();
    await waitFor(() => s.n.stats().delivered === 4, 5_000, 'delivery after restart');
    await sleep(300);
    const all = s.http.requests.filter((r) => r.path === '/all');
    expect(all.map(alertOf)).toEqual(alerts.map((a) => a.id));
    expect(s.http.requests).toHaveLength(4);
    expect(new Set(s.http.requests.map(keyOf)).size).toBe(4);
  });

  it('after a stop between the receiver getting a message and the hub marking it, the re-send carries the same Idempotency-Key', async () => {
    const s = await setup();
    s.http.set(() => 'hang'); // the receiver takes the message but the answer never comes back
    emitAlert(s.t, 'fired', makeAlert({ village: 'gia-phu', device: 'cam-market' }));
    const first = await waitFor(() => s.http.requests[0]);
    await s.restart();
    s.http.set(() => ({ status: 200 }));
    await waitFor(() => s.n.stats().delivered === 1);
    expect(s.http.requests).toHaveLength(2);
    expect(keyOf(s.http.requests[1] as HttpRequest)).toBe(keyOf(first));
    // A receiver that honours the key keeps one.
    expect(new Set(s.http.requests.map(keyOf)).size).toBe(1);
  });

  it('lists and counts rows for the API', async () => {
    const s = await setup();
    emitAlert(s.t, 'fired', makeAlert());
    await waitFor(() => s.n.stats().delivered === 2);
    const rows = s.n.list({ status: 'delivered', limit: 1 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ change: 'fired', status: 'delivered', attempts: 1, lastError: null, text: expect.stringContaining('mất kết nối lúc') });
    expect(s.n.stats().channels.map((c) => [c.id, c.pending, c.lastDeliveredAt !== null])).toEqual([
      ['hook-dc', 0, true],
      ['hook-all', 0, true],
      ['commune-it', 0, false],
    ]);
  });

  it('latency from the alert event to the webhook receiver on loopback (median of 50)', async () => {
    const s = await setup();
    const ms: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      emitAlert(s.t, 'fired', makeAlert({ village: 'gia-phu', device: 'cam-market' }));
      const r = await waitFor(() => s.http.requests[i], 2_000);
      ms.push(r.hr - t0);
    }
    ms.sort((a, b) => a - b);
    const median = ms[25] ?? NaN;
    console.log(`alert → webhook receipt: median ${median.toFixed(2)} ms, p90 ${(ms[45] ?? NaN).toFixed(2)} ms, max ${(ms[49] ?? NaN).toFixed(2)} ms`);
    expect(median).toBeLessThan(50);
  });
});

describe('a receiver that never answers', () => {
  /** The engine's own collector, as the hub's load would run it (Node 20 collects a timeout signal held only by AbortSignal.any). */
  function collector(): () => void {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  }

  it('a send that gets no answer ends at its timeout, also when garbage is collected meanwhile, and is retried', { timeout: 30_000 }, async () => {
    const tmp = await tempDir();
    // Accepts the connection and the request, never answers.
    const held: Socket[] = [];
    const silent = createServer((c) => held.push(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const t = makeCtx(
      { notify: { channels: [{ id: 'hook', type: 'webhook', url }], routes: [{ channels: ['hook'], minSeverity: 'info' }], retry: { initialS: 60, maxS: 60, expireAfterS: 3600 } } },
      path.join(tmp.dir, 'state.db'),
      shiftedClock(),
    );
    const n = new Notifications(t.ctx, 1_000);
    n.start();
    const gc = collector();
    const collecting = setInterval(gc, 50);
    cleanups.push(tmp.remove, () => t.close(), () => n.stop(), () => clearInterval(collecting), () => new Promise<void>((r) => silent.close(() => r())), () => held.forEach((c) => c.destroy()));
    emitAlert(t, 'fired', makeAlert());
    await waitFor(() => t.ctx.counters.get('notify.failed_attempts') >= 1, 15_000);
    expect(held.length).toBeGreaterThan(0);
    expect(t.ctx.counters.get('notify.sent')).toBe(0);
  });
});
