import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ReadingPush, ServerToClientEvents } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * A device's readings reach a dashboard as one push per device per tick (250 ms), its fields merged
 * across the tick's readings, newest value first; a reading older than the tick's newest is left out.
 */
describe('live readings pushed to dashboards', () => {
  let t: TestHub;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  const pushes: ReadingPush[] = [];
  const ref = { village: 'dong-cam', device: 'ap-1' };

  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hoá', kind: 'wifi-ap', timeoutS: 600 }],
      store: { kind: 'sqlite' },
    });
    socket = ioClient(t.httpUrl, { transports: ['websocket'], extraHeaders: { cookie: (await t.admin()).cookie } });
    socket.on('device:reading', (r) => pushes.push(r));
    await new Promise<void>((resolve, reject) => {
      socket.once('hello', () => resolve());
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.close();
    await t?.stop();
  });

  it('merges a tick of readings into one push per device, and starts afresh the next tick', async () => {
    const bus = t.hub.ctx.bus;
    const base = Date.now() - 60_000;
    bus.emit('reading', { ...ref, kind: 'wifi-ap', ts: base + 1_000, fields: { clients: 3, rxBps: 100 } });
    bus.emit('reading', { ...ref, kind: 'wifi-ap', ts: base + 2_000, fields: { clients: 4 } });
    // Older than what this tick already has: not shown over it.
    bus.emit('reading', { ...ref, kind: 'wifi-ap', ts: base + 500, fields: { clients: 1, txBps: 7 } });
    await waitFor(() => pushes.length >= 1, 5_000, 'the first push');
    // Well past one tick: a second push would have come by now.
    await new Promise((r) => setTimeout(r, 700));
    expect(pushes).toEqual([{ ...ref, ts: base + 2_000, fields: { clients: 4, rxBps: 100 } }]);

    bus.emit('reading', { ...ref, kind: 'wifi-ap', ts: base + 3_000, fields: { txBps: 9 } });
    await waitFor(() => pushes.length >= 2, 5_000, 'the second push');
    expect(pushes[1]).toEqual({ ...ref, ts: base + 3_000, fields: { txBps: 9 } });
    // What was pushed before is not changed by what came after.
    expect(pushes[0]).toEqual({ ...ref, ts: base + 2_000, fields: { clients: 4, rxBps: 100 } });
  });
});
