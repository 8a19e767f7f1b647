import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultInternetProbe, InternetMonitor } from '../../hub/availability/internet.js';
import type { InternetState } from '../../hub/core/domain.js';
import { waitFor } from '../helpers/hub.js';
import { setup } from './harness.js';

/** The WAN probe against a real TCP listener on loopback standing in for an internet host. */
describe('internet (WAN) monitor', () => {
  let server: Server | null = null;
  let monitor: InternetMonitor | null = null;
  let h: ReturnType<typeof setup> | null = null;
  afterEach(() => {
    monitor?.stop();
    h?.availability.stop();
    server?.close();
  });

  async function listen(port = 0): Promise<number> {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    return (server.address() as { port: number }).port;
  }

  it('is up while a target answers, down after failuresToDown silent rounds, up again on recovery', async () => {
    const port = await listen();
    h = setup(`
villages: [{ id: dong-cam, name: Đông Căm }, { id: lang-moi, name: Làng Mới }]
internet: { targets: [{ type: tcp, host: 127.0.0.1, port: ${port} }], intervalS: 0.1, timeoutS: 0.5, failuresToDown: 3 }
`);
    const events: InternetState[] = [];
    h!.bus.on('test', 'internet', (e) => events.push(e));
    monitor = new InternetMonitor(h!.ctx, defaultInternetProbe);
    monitor.start();
    await waitFor(() => events.length === 1, 3_000, 'up');
    await new Promise((r) => setTimeout(r, 300));
    // One link for the hub's two villages: one event per change, not one per village.
    expect(events.map((e) => e.state)).toEqual(['up']);
    expect(monitor.view().rttMs).toBeGreaterThanOrEqual(0);

    server!.close();
    const closedAt = Date.now();
    await waitFor(() => events.length === 2, 3_000, 'down');
    // Three failed rounds at 100 ms: not before the third.
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(200);
    expect(events[1]).toMatchObject({ state: 'down' });
    expect(events[1]?.reason).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}: .*refused`));
    // What people read: a code, with how many addresses were tried.
    expect(events[1]).toMatchObject({ reasonCode: 'internet-unreachable', reasonParams: { tried: 1 } });
    expect(monitor.view()).toMatchObject({ state: 'down', reasonCode: 'internet-unreachable', reasonParams: { tried: 1 } });
    expect(h!.ctx.counters.get('internet.failed_rounds')).toBeGreaterThanOrEqual(3);

    await listen(port);
    await waitFor(() => events.length === 3, 3_000, 'up again');
    await new Promise((r) => setTimeout(r, 300));
    expect(events.map((e) => e.state)).toEqual(['up', 'down', 'up']);
  });

  it('without targets it does not probe and stays unknown', () => {
    h = setup('villages: [{ id: dong-cam, name: Đông Căm }]\n');
    monitor = new InternetMonitor(h!.ctx, defaultInternetProbe);
    monitor.start();
    expect(monitor.view()).toMatchObject({ state: 'unknown', probed: false });
  });
});
