/**
 * End to end, with real parts only: a simulated ONVIF camera polled by the hub with its default poll
 * settings, a webhook receiver on a local port that checks the HMAC signature of the exact body, and a
 * socket.io client as the dashboard. The camera dies → alert on the socket within 10 s → Vietnamese
 * message at the webhook → acknowledged through the API → the camera comes back → resolved. Then the
 * outbox: a receiver that is down, and a hub restarted while a message waits.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { startSimulatedCamera, type SimulatedCamera } from '../../devices/onvif-camera/simulator/index.js';
import type { OutboxEntry } from '../../hub/alerts/outbox.js';
import type { AlertChange, AlertDetailResponse, AlertsResponse, AlertView, ClientToServerEvents, ServerToClientEvents } from '../../shared/events.js';
import { sessionAs } from '../helpers/auth.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { cleanupsAfter } from '../helpers/cleanups.js';

const SECRET = 'bi-mat-webhook-dong-cam';
const USER = 'admin';
const PASS = 'Cong@lang 2024';
const CAM = { id: 'cam-cong', name: 'Camera cổng làng' };
const KEY = `offline:${testVillage.id}/${CAM.id}`;
/** The promise: a dead camera is on the dashboard within 10 s, with default settings. */
const DETECT_MS = 10_000;

const cleanups = cleanupsAfter('each', { tolerant: true });

interface WebhookBody {
  id: string;
  alert: AlertView;
  change: AlertChange;
  title: string;
  text: string;
  ts: number;
  delayedS: number;
}

interface Delivery {
  key: string;
  signatureOk: boolean;
  body: WebhookBody;
  /** performance.now() when the request was complete. */
  at: number;
}

/** A commune server's webhook endpoint: verifies the signature of the raw body, records every request. */
class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/langso`;
  }

  /** Listens (again on the same port after close()). */
  async open(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
        const given = Buffer.from(String(req.headers['x-langso-signature'] ?? ''));
        const signatureOk = given.length === expected.length && timingSafeEqual(given, expected);
        this.deliveries.push({
          key: String(req.headers['idempotency-key'] ?? ''),
          signatureOk,
          body: JSON.parse(raw.toString('utf8')) as WebhookBody,
          at: performance.now(),
        });
        res.writeHead(signatureOk ? 200 : 401, { 'content-type': 'application/json' }).end(signatureOk ? '{"ok":true}' : '{"error":"bad signature"}');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Down: the port refuses connections (kept-alive ones are cut too). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  find(alertId: number, change: AlertChange): Delivery | undefined {
    return this.deliveries.find((d) => d.body.alert.id === alertId && d.body.change === change);
  }

  count(key: string): number {
    return this.deliveries.filter((d) => d.key === key).length;
  }
}

interface SocketAlert {
  change: AlertChange;
  alert: AlertView;
  at: number;
}

/** The dashboard's view: every `alert` event with the time it arrived. */
async function watchAlerts(th: TestHub): Promise<{ events: SocketAlert[]; find(change: AlertChange, after?: number): SocketAlert | undefined }> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(th.httpUrl, {
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { cookie: (await th.admin()).cookie },
  });
  cleanups.push(async () => void socket.close());
  const events: SocketAlert[] = [];
  socket.on('alert', (e) => events.push({ ...e, at: performance.now() }));
  await new Promise<void>((resolve, reject) => {
    socket.once('hello', () => resolve());
    socket.once('connect_error', reject);
  });
  return { events, find: (change, after = 0) => events.find((e) => e.change === change && e.alert.key === KEY && e.at >= after) };
}

async function startCamera(): Promise<SimulatedCamera> {
  const cam = await startSimulatedCamera({ name: CAM.name, username: USER, password: PASS });
  cleanups.push(() => cam.close());
  return cam;
}

function hubDoc(cam: SimulatedCamera, webhookUrl: string): Record<string, unknown> {
  return {
    villages: [testVillage],
    devices: [
      // Default poll settings: only where the camera is and how to log in.
      { id: CAM.id, village: testVillage.id, name: CAM.name, kind: 'onvif-camera', poll: { xaddr: cam.xaddr, username: USER, password: PASS } },
    ],
    notify: {
      channels: [{ id: 'xa-webhook', type: 'webhook', url: webhookUrl, secret: SECRET }],
      routes: [{ minSeverity: 'critical', channels: ['xa-webhook'] }],
      // Short backoff so a receiver that comes back is tried again within a couple of seconds.
      retry: { initialS: 1, maxS: 2 },
    },
  };
}

async function hub(doc: Record<string, unknown>, dataDir?: string): Promise<TestHub> {
  const th = await startTestHub(doc, dataDir ? { dataDir } : {});
  cleanups.push(() => th.stop());
  return th;
}

async function getJson<T>(th: TestHub, url: string): Promise<T> {
  const res = await th.fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const notifications = (th: TestHub, status: OutboxEntry['status']) =>
  getJson<{ messages: OutboxEntry[] }>(th, `${th.httpUrl}/api/notifications?status=${status}`).then((r) => r.messages);

async function cameraOnline(th: TestHub): Promise<void> {
  // The first poll comes at a random offset within the poll interval (10 s by default).
  await waitFor(() => th.hub.ctx.devices.get({ village: testVillage.id, device: CAM.id })?.state === 'online', 20_000, 'camera online');
}

/** The camera goes down; resolves with the open alert once the hub has it (one fired since, not before). */
async function cameraDies(th: TestHub, cam: SimulatedCamera): Promise<AlertView> {
  const diedAt = Date.now();
  await cam.setFault('down');
  const open = await waitFor(
    async () => (await getJson<AlertsResponse>(th, `${th.httpUrl}/api/alerts`)).alerts.find((a) => a.key === KEY && a.startedAt >= diedAt),
    DETECT_MS + 5_000,
    'offline alert open',
  );
  return open;
}

/** Waits until the hub has tried (and failed) to deliver the alert's message at least once. */
async function failedAttempt(th: TestHub, alertId: number): Promise<OutboxEntry> {
  return waitFor(
    async () => (await notifications(th, 'pending')).find((m) => m.alertId === alertId && m.change === 'fired' && m.attempts >= 1 && m.lastError !== null),
    10_000,
    'a failed delivery attempt',
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('alert end to end: camera → hub → socket and webhook', () => {
  it('fires within 10 s, notifies in Vietnamese, is acknowledged, and resolves when the camera is back', { timeout: 90_000 }, async () => {
    const cam = await startCamera();
    const rx = new WebhookReceiver();
    await rx.open();
    cleanups.push(() => rx.close());
    const th = await hub(hubDoc(cam, rx.url));
    const sock = await watchAlerts(th);
    await cameraOnline(th);
    expect(sock.events).toEqual([]);

    const diedAt = performance.now();
    await cam.setFault('down');
    const fired = await waitFor(() => sock.find('fired', diedAt), DETECT_MS + 10_000, 'alert on the socket');
    const delayMs = fired.at - diedAt;
    expect(delayMs, `alert on the socket ${Math.round(delayMs)} ms after the camera died`).toBeLessThan(DETECT_MS);
    expect(fired.alert).toMatchObject({ key: KEY, village: testVillage.id, device: CAM.id, condition: 'offline', severity: 'critical', status: 'firing' });
    const id = fired.alert.id;

    const firedMsg = await waitFor(() => rx.find(id, 'fired'), 5_000, 'fired message at the webhook');
    expect(firedMsg.signatureOk).toBe(true);
    expect(firedMsg.key).toBe(firedMsg.body.id);
    expect(firedMsg.body.text).toContain(CAM.name);
    expect(firedMsg.body.text).toContain(testVillage.name);
    expect(firedMsg.body.text).toContain('mất kết nối');
    expect(firedMsg.body.title).toBe(`${CAM.name} (${testVillage.name}) mất kết nối`);

    // Who acknowledges is the logged-in account: the leader of the village.
    const by = 'tuan';
    const leader = await sessionAs(th, by, 'leader', [testVillage.id]);
    const note = 'Đã cử người ra cổng kiểm tra nguồn điện';
    const res = await leader.fetch(`/api/alerts/${id}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as AlertDetailResponse).alert).toMatchObject({ id, status: 'acknowledged', ackedBy: by, ackNote: note });
    const acked = await waitFor(() => sock.find('acknowledged'), 5_000, 'acknowledged on the socket');
    expect(acked.alert).toMatchObject({ id, status: 'acknowledged', ackedBy: by });
    const ackMsg = await waitFor(() => rx.find(id, 'acknowledged'), 5_000, 'acknowledgement at the webhook');
    expect(ackMsg.signatureOk).toBe(true);
    expect(ackMsg.body.text).toContain(`${CAM.name} (${testVillage.name}) mất kết nối — đã được ${by} xác nhận lúc`);
    expect(ackMsg.body.text).toContain(`Ghi chú: ${note}`);

    await cam.setFault(null);
    const resolved = await waitFor(() => sock.find('resolved'), DETECT_MS + 10_000, 'resolved on the socket');
    expect(resolved.alert).toMatchObject({ id, status: 'resolved', ackedBy: by });
    expect(resolved.alert.resolvedAt).not.toBeNull();
    const resolvedMsg = await waitFor(() => rx.find(id, 'resolved'), 5_000, 'resolution at the webhook');
    expect(resolvedMsg.signatureOk).toBe(true);
    expect(resolvedMsg.body.text).toContain(`${CAM.name} (${testVillage.name}) hoạt động trở lại`);

    const detail = await getJson<AlertDetailResponse>(th, `${th.httpUrl}/api/alerts/${id}`);
    expect(detail.alert.status).toBe('resolved');
    expect(detail.history.map((h) => h.action)).toEqual(['fired', 'acknowledged', 'resolved']);
    expect(detail.history[1]).toMatchObject({ who: by, note });
    // One request per message, each with its own key, in the order things happened.
    expect(rx.deliveries.map((d) => d.body.change)).toEqual(['fired', 'acknowledged', 'resolved']);
    expect(new Set(rx.deliveries.map((d) => d.key)).size).toBe(3);
    expect(sock.events.filter((e) => e.alert.key === KEY).map((e) => e.change)).toEqual(['fired', 'acknowledged', 'resolved']);
  });

  it('delivers a message queued while the receiver was down once it is back, exactly once', { timeout: 90_000 }, async () => {
    const cam = await startCamera();
    const rx = new WebhookReceiver();
    await rx.open();
    cleanups.push(() => rx.close());
    const th = await hub(hubDoc(cam, rx.url));
    await cameraOnline(th);

    await rx.close();
    const alert = await cameraDies(th, cam);
    const pending = await failedAttempt(th, alert.id);
    expect(pending.lastError).toMatch(/^webhook: /);
    // Still down for a while: nothing can arrive, and the hub keeps the message.
    await sleep(1_500);
    expect(rx.deliveries).toEqual([]);

    const backAt = performance.now();
    await rx.open();
    const got = await waitFor(() => rx.find(alert.id, 'fired'), 10_000, 'the queued message');
    expect(got.at).toBeGreaterThanOrEqual(backAt);
    expect(got.signatureOk).toBe(true);
    expect(got.key).toBe(pending.key);
    expect(got.body.text).toContain('mất kết nối');
    expect(got.body.delayedS).toBeGreaterThan(0);

    const delivered = await waitFor(
      async () => (await notifications(th, 'delivered')).find((m) => m.key === pending.key),
      5_000,
      'the message listed as delivered',
    );
    expect(delivered).toMatchObject({ alertId: alert.id, change: 'fired', channelId: 'xa-webhook', status: 'delivered' });
    expect(delivered.attempts).toBeGreaterThanOrEqual(2);
    expect(delivered.deliveredAt).not.toBeNull();
    // Longer than the retry backoff: a delivered message is not sent again.
    await sleep(3_000);
    expect(rx.count(pending.key)).toBe(1);
    expect(await notifications(th, 'pending')).toEqual([]);
  });

  it('keeps a pending message and the open alert across a hub restart, and delivers it once', { timeout: 120_000 }, async () => {
    const cam = await startCamera();
    const rx = new WebhookReceiver();
    await rx.open();
    cleanups.push(() => rx.close());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'langso-e2e-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const doc = hubDoc(cam, rx.url);

    const first = await hub(doc, dataDir);
    await cameraOnline(first);
    await rx.close();
    const alert = await cameraDies(first, cam);
    const pending = await failedAttempt(first, alert.id);
    await first.stop();

    const second = await hub(doc, dataDir);
    const open = (await getJson<AlertsResponse>(second, `${second.httpUrl}/api/alerts`)).alerts;
    expect(open.map((a) => ({ id: a.id, key: a.key, status: a.status }))).toEqual([{ id: alert.id, key: KEY, status: 'firing' }]);
    const waiting = await notifications(second, 'pending');
    expect(waiting.map((m) => m.key)).toEqual([pending.key]);
    const attemptsBefore = waiting[0]?.attempts ?? 0;
    // The new hub tries too, and fails, before the receiver is back.
    await waitFor(async () => ((await notifications(second, 'pending'))[0]?.attempts ?? 0) > attemptsBefore, 10_000, 'an attempt after the restart');
    expect(rx.deliveries).toEqual([]);

    const backAt = performance.now();
    await rx.open();
    const got = await waitFor(() => rx.find(alert.id, 'fired'), 10_000, 'the message after the restart');
    expect(got.at).toBeGreaterThanOrEqual(backAt);
    expect(got.signatureOk).toBe(true);
    expect(got.key).toBe(pending.key);
    await waitFor(async () => (await notifications(second, 'delivered')).some((m) => m.key === pending.key), 5_000, 'delivered after the restart');
    await sleep(3_000);
    expect(rx.count(pending.key)).toBe(1);
    expect(rx.deliveries).toHaveLength(1);

    // The camera is still down: the alert is still open (the same one, not fired again).
    await waitFor(() => {
      const e = second.hub.ctx.devices.get({ village: testVillage.id, device: CAM.id });
      return e?.lastSeen !== null && e?.state === 'offline';
    }, 20_000, 'camera re-confirmed offline');
    const after = (await getJson<AlertsResponse>(second, `${second.httpUrl}/api/alerts`)).alerts;
    expect(after.map((a) => ({ id: a.id, status: a.status }))).toEqual([{ id: alert.id, status: 'firing' }]);
    const all = (await getJson<AlertsResponse>(second, `${second.httpUrl}/api/alerts?status=all`)).alerts;
    expect(all).toHaveLength(1);
  });
});
