import { AlertEngine } from '../../hub/alerts/engine.js';
import { Notifications } from '../../hub/alerts/outbox.js';
import { Availability } from '../../hub/availability/availability.js';
import { Bus } from '../../hub/core/bus.js';
import { systemClock } from '../../hub/core/clock.js';
import { parseConfig } from '../../hub/config/load.js';
import type { HubContext } from '../../hub/context.js';
import { Counters } from '../../hub/core/counters.js';
import { createLogger } from '../../hub/core/log.js';
import { DeviceRegistry } from '../../hub/registry/registry.js';
import { openStateDb } from '../../hub/state/db.js';
import type { MetricPoint } from '../../hub/store/types.js';

/**
 * Availability, the alert engine and the notification outbox wired on one bus as the composition root
 * wires them (same start order), driven by the bus events ingest emits. Use with vi.useFakeTimers(): the
 * modules' timers run on the system clock. The outbox has one webhook channel to a closed port that gets
 * every alert: its rows are the messages the hub would send, rendered as they would be sent.
 */
export function hubParts(yaml: string) {
  const config = parseConfig(
    `${yaml}
notify:
  channels: [{ id: hook, type: webhook, url: 'http://127.0.0.1:9/hook' }]
  routes: [{ minSeverity: info, channels: [hook] }]
`,
    'test',
  );
  const log = createLogger('silent');
  const bus = new Bus(log);
  const devices = new DeviceRegistry(config);
  const state = openStateDb(':memory:');
  const stored: MetricPoint[] = [];
  const ctx = {
    config,
    log,
    bus,
    clock: systemClock,
    counters: new Counters(),
    devices,
    state,
    writer: { add: (p: MetricPoint) => stored.push(p) },
  } as unknown as HubContext;
  const notifications = new Notifications(ctx);
  const engine = new AlertEngine(ctx);
  const availability = new Availability(ctx);
  notifications.start();
  engine.start();
  availability.start();

  const ref = (device: string, village = 'dong-cam') => ({ village, device });
  const seen = (device: string) => bus.emit('seen', { ...ref(device), ts: Date.now() });
  /** A status message, as ingest emits it: status first, then seen. */
  const status = (device: string, s: 'online' | 'offline', reason?: string) => {
    bus.emit('status', { ...ref(device), ts: Date.now(), state: s, ...(reason ? { reason } : {}) });
    seen(device);
  };
  const reading = (device: string, fields: Record<string, number | boolean>) => {
    const entry = devices.get(ref(device));
    if (!entry) throw new Error(`no device ${device}`);
    seen(device);
    entry.telemetry = { ts: Date.now(), fields };
    bus.emit('reading', { ...ref(device), kind: entry.kind, ts: Date.now(), fields });
  };
  /** The messages queued so far, oldest first: "<change>: <text>". */
  const messages = () =>
    notifications
      .list({ limit: 1000 })
      .reverse()
      .map((m) => `${m.change}: ${m.text}`);
  const stateOf = (device: string) => devices.get(ref(device))?.state;
  const stop = async () => {
    availability.stop();
    engine.stop();
    await notifications.stop();
    state.close();
  };
  return { ctx, bus, devices, engine, availability, notifications, status, seen, reading, messages, stateOf, stop };
}
