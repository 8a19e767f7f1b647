import { createServer, type Server } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEventRules, serverEventRules } from '../../hub/web/socket-access.js';
import type { ServerToClientEvents } from '../../shared/events.js';
import { addUser, login, socketWith, type HubSocket, type Session } from '../helpers/auth.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * Every socket event × every role: which sockets receive each push (the rule table in
 * hub/web/socket-access.ts, typed over shared/events.ts), who may open a socket at all, and that
 * `watch:villages` never widens what a user may read. An event without a trigger here fails the test.
 */

const OWN = 'dong-cam';
const OTHER = 'gia-phu';
type Role = 'viewer' | 'leader' | 'admin';
const ROLES: Role[] = ['viewer', 'leader', 'admin'];
type Event = keyof ServerToClientEvents;

interface Got {
  event: Event;
  /** The village the payload is about; '*' for the hub itself. */
  village: string;
}

function villageOf(event: Event, payload: unknown): string {
  if (event === 'internet' || event === 'hello') return '*';
  const p = payload as { village?: string; alert?: { village: string } };
  return p.alert?.village ?? p.village ?? '?';
}

describe('socket.io access: every event × every role', () => {
  let t: TestHub;
  let devices: MqttClient;
  let link: Server;
  let linkPort = 0;
  let admin: Session;
  const sockets = new Map<Role, HubSocket>();
  const got = new Map<Role, Got[]>();
  let strangers = 0;

  const publish = async (village: string, device: string, channel: string, body: object, retain = false): Promise<void> => {
    await devices.publishAsync(`langso/${village}/${device}/${channel}`, JSON.stringify(body), { qos: 1, retain });
  };
  const deviceOf = (village: string) => (village === OWN ? 'cam-1' : 'cam-9');

  /** Makes the hub push `event` about `village` ('*' for hub-wide ones). */
  const triggers: Record<Event, ((village: string) => Promise<void>) | null> = {
    // Sent by the hub on connect: every socket has had one by now.
    hello: null,
    'device:state': (v) => publish(v, deviceOf(v), 'status', { state: 'online' }, true).then(() => publish(v, deviceOf(v), 'status', { state: 'offline', reason: 'lwt' }, true)),
    'device:reading': (v) => publish(v, deviceOf(v), 'telemetry', { rttMs: 12 }),
    'device:event': (v) => publish(v, deviceOf(v), 'event', { type: 'boot', severity: 'info' }),
    'device:added': async (v) => {
      strangers++;
      await publish(v, `esp-${strangers}`, 'telemetry', { temp: 20 });
    },
    'device:removed': async (v) => {
      const stranger = `esp-rm-${v}`;
      await publish(v, stranger, 'telemetry', { temp: 20 });
      await waitFor(() => t.hub.ctx.devices.get({ village: v, device: stranger }), 5_000, `${stranger} listed`);
      const res = await admin.fetch(`/api/devices/${v}/${stranger}/dismiss`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
    },
    // The device's offline status fires an alert at once (no parent to wait for).
    alert: (v) => publish(v, deviceOf(v), 'status', { state: 'online' }, true).then(() => publish(v, deviceOf(v), 'status', { state: 'offline', reason: 'mất điện' }, true)),
    // The hub's own Internet link: its target stops answering.
    internet: () => new Promise<void>((resolve) => link.close(() => resolve())),
  };

  const received = (role: Role, event: Event, village: string) => (got.get(role) ?? []).some((g) => g.event === event && g.village === village);

  beforeAll(async () => {
    link = createServer((s) => s.destroy());
    await new Promise<void>((r) => link.listen(0, '127.0.0.1', () => r()));
    linkPort = (link.address() as { port: number }).port;
    t = await startTestHub({
      villages: [testVillage, { id: OTHER, name: 'Gia Phú' }],
      devices: [
        { id: 'cam-1', village: OWN, name: 'Camera cổng', kind: 'onvif-camera', timeoutS: 600 },
        { id: 'cam-9', village: OTHER, name: 'Camera Gia Phú', kind: 'onvif-camera', timeoutS: 600 },
      ],
      internet: { targets: [{ type: 'tcp', host: '127.0.0.1', port: linkPort }], intervalS: 0.2, failuresToDown: 1, timeoutS: 0.5 },
      store: { kind: 'sqlite', writer: { flushMs: 50 } },
    });
    admin = await t.admin();
    await addUser(t.hub, 'xem', 'viewer');
    await addUser(t.hub, 'lan', 'leader', [OWN]);
    await waitFor(() => t.hub.ctx.devices.get({ village: OWN, device: 'cam-1' }), 1_000, 'registry');
    const cookies: Record<Role, string> = { viewer: await login(t.httpUrl, 'xem'), leader: await login(t.httpUrl, 'lan'), admin: admin.cookie };
    for (const role of ROLES) {
      const list: Got[] = [];
      got.set(role, list);
      const s = await socketWith(t.httpUrl, cookies[role], {}, (socket) => socket.onAny((event: Event, payload: unknown) => list.push({ event, village: villageOf(event, payload) })));
      sockets.set(role, s);
    }
    devices = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    await waitFor(() => t.hub.ctx.devices.get({ village: OWN, device: 'cam-1' })?.state !== undefined, 1_000, 'ready');
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets.values()) s.close();
    await devices?.endAsync(true).catch(() => undefined);
    await t?.stop();
    link?.close();
  });

  it('a socket without a live session is refused at the handshake', async () => {
    await expect(socketWith(t.httpUrl, null)).rejects.toThrow();
    await expect(socketWith(t.httpUrl, 'langso_session=not-a-real-session-token-at-all-000000')).rejects.toThrow();
    expect(t.hub.ctx.counters.snapshot()['socket.refused']).toBeGreaterThanOrEqual(2);
  });

  it('every server event has a rule and a trigger; each role receives exactly what it may read', async () => {
    const events = Object.keys(serverEventRules) as Event[];
    expect(events.sort()).toEqual((Object.keys(triggers) as Event[]).sort());
    const wrong: string[] = [];
    for (const event of events) {
      const rule = serverEventRules[event];
      const trigger = triggers[event];
      if (rule === 'village') {
        // The other village first: once the leader has the own village's push, the other one would have come before it.
        await trigger!(OTHER);
        await trigger!(OWN);
        for (const role of ROLES) await waitFor(() => received(role, event, OWN), 10_000, `${event} (${OWN}) at the ${role}`);
        for (const role of ['viewer', 'admin'] as const) await waitFor(() => received(role, event, OTHER), 10_000, `${event} (${OTHER}) at the ${role}`);
        if (received('leader', event, OTHER)) wrong.push(`${event} about ${OTHER} reached the leader of ${OWN}`);
      } else {
        if (trigger) await trigger('*');
        for (const role of ROLES) await waitFor(() => received(role, event, '*'), 10_000, `${event} at the ${role}`);
      }
    }
    expect(wrong).toEqual([]);
    // Nothing about Gia Phú ever reached the leader of Đông Căm, whatever the event.
    expect(got.get('leader')!.filter((g) => g.village === OTHER)).toEqual([]);
  }, 60_000);

  it('every client event has a rule; watch:villages narrows but never widens', async () => {
    expect(clientEventRules).toEqual({ 'watch:villages': 'login' });
    const lan = sockets.get('leader')!;
    const answer = await lan.timeout(5_000).emitWithAck('watch:villages', [OWN, OTHER]);
    expect(answer).toEqual({ ok: false, error: expect.stringContaining(OTHER) });
    const bad = await lan.timeout(5_000).emitWithAck('watch:villages', ['Not A Slug'] as string[]);
    expect(bad).toMatchObject({ ok: false });
    await lan.timeout(5_000).emitWithAck('watch:villages', [OWN, OTHER]);
    const before = got.get('leader')!.length;
    await triggers['device:event']!(OTHER);
    await triggers['device:event']!(OWN);
    await waitFor(() => got.get('leader')!.slice(before).some((g) => g.event === 'device:event' && g.village === OWN), 10_000, 'the own village still pushed');
    expect(got.get('leader')!.filter((g) => g.village === OTHER)).toEqual([]);
    // An admin may narrow to one village: the other one's pushes stop.
    const adm = sockets.get('admin')!;
    expect(await adm.timeout(5_000).emitWithAck('watch:villages', [OWN])).toEqual({ ok: true });
    const mark = got.get('admin')!.length;
    await triggers['device:event']!(OTHER);
    await triggers['device:event']!(OWN);
    await waitFor(() => got.get('admin')!.slice(mark).some((g) => g.event === 'device:event' && g.village === OWN), 10_000, 'the admin narrowed');
    expect(got.get('admin')!.slice(mark).filter((g) => g.village === OTHER)).toEqual([]);
  }, 30_000);
});
