import { Availability } from '../../hub/availability/availability.js';
import { Bus } from '../../hub/core/bus.js';
import { systemClock } from '../../hub/core/clock.js';
import { parseConfig } from '../../hub/config/load.js';
import type { HubContext } from '../../hub/context.js';
import { Counters } from '../../hub/core/counters.js';
import { Faults } from '../../hub/core/faults.js';
import { Redactor } from '../../hub/core/redact.js';
import type { Transition } from '../../hub/core/domain.js';
import { createLogger } from '../../hub/core/log.js';
import { DeviceRegistry } from '../../hub/registry/registry.js';
import { openStateDb, type StateDb } from '../../hub/state/db.js';
import type { MetricPoint } from '../../hub/store/types.js';

/**
 * An Availability module on a real Bus, registry and SQLite state, driven by bus events the way ingest
 * emits them. Use with vi.useFakeTimers(): the module's timers run on the system clock.
 */
export function setup(text: string, state: StateDb = openStateDb(':memory:')) {
  const config = parseConfig(text, 'test');
  const log = createLogger('silent');
  const bus = new Bus(log);
  const devices = new DeviceRegistry(config);
  const stored: MetricPoint[] = [];
  const counters = new Counters();
  const redactor = Redactor.fromConfig(config);
  // Availability uses only these members of the context.
  const ctx = {
    config,
    log,
    bus,
    clock: systemClock,
    counters,
    faults: new Faults({ counters, log, now: () => Date.now() }),
    redact: (text: string) => redactor.text(text),
    devices,
    state,
    writer: { add: (p: MetricPoint) => stored.push(p) },
  } as unknown as HubContext;
  const availability = new Availability(ctx);
  const transitions: Transition[] = [];
  const flaps: Array<{ device: string; flapping: boolean }> = [];
  bus.on('test', 'transition', (t) => transitions.push(t));
  bus.on('test', 'flapping', (f) => flaps.push({ device: f.device, flapping: f.flapping }));
  availability.start();
  const ref = (device: string) => ({ village: 'dong-cam', device });
  const seen = (device: string) => bus.emit('seen', { ...ref(device), ts: Date.now() });
  const status = (device: string, state: 'online' | 'offline', reason?: string) => {
    // Ingest order: status first, then seen.
    bus.emit('status', { ...ref(device), ts: Date.now(), state, ...(reason ? { reason } : {}) });
    seen(device);
  };
  const stateOf = (device: string) => devices.get(ref(device))?.state;
  return { bus, devices, availability, transitions, flaps, seen, status, stateOf, stored, ctx, state };
}
