import { Bus, type BusEvents } from '../../hub/core/bus.js';
import { systemClock } from '../../hub/core/clock.js';
import { parseConfig } from '../../hub/config/load.js';
import type { HubContext } from '../../hub/context.js';
import { Counters } from '../../hub/core/counters.js';
import type { AvailabilityState, Transition } from '../../hub/core/domain.js';
import { createLogger } from '../../hub/core/log.js';
import { DeviceRegistry } from '../../hub/registry/registry.js';
import { openStateDb, type StateDb } from '../../hub/state/db.js';
import { AlertEngine } from '../../hub/alerts/engine.js';

export type BusAlert = BusEvents['alert'];

export const baseYaml = `
villages:
  - { id: dong-cam, name: Đông Căm }
  - { id: gia-phu, name: Gia Phú }
devices:
  - { id: router, village: dong-cam, name: Bộ định tuyến, kind: router }
  - { id: switch, village: dong-cam, name: Bộ chia mạng, kind: switch, parent: router, timeoutS: 30 }
  - { id: cam-1, village: dong-cam, name: Camera cổng làng, kind: onvif-camera, parent: switch, timeoutS: 30 }
  - { id: cam-2, village: dong-cam, name: Camera chợ, kind: onvif-camera, parent: switch, timeoutS: 30 }
  - { id: ap-1, village: dong-cam, name: Wi-Fi nhà văn hoá, kind: wifi-ap }
  - { id: pc, village: dong-cam, name: Máy tính, kind: pc }
  - { id: mr, village: dong-cam, name: Bộ họp trực tuyến, kind: meeting-room }
  - { id: cam-9, village: gia-phu, name: Camera Gia Phú, kind: onvif-camera }
`;

/**
 * An engine over a context with only what it uses (config, log, bus, clock, devices, state), driven by
 * bus events the way availability, ingest and the internet probe emit them.
 */
export function setup(extraYaml = '', state: StateDb = openStateDb(':memory:')) {
  const config = parseConfig(baseYaml + extraYaml, 'test');
  const log = createLogger('silent');
  const bus = new Bus(log);
  const devices = new DeviceRegistry(config);
  const ctx = { config, log, bus, clock: systemClock, counters: new Counters(), devices, state } as unknown as HubContext;
  const engine = new AlertEngine(ctx);
  const events: BusAlert[] = [];
  bus.on('test', 'alert', (e) => events.push(e));
  engine.start();

  /** What availability does: update the registry entry, then emit the transition. */
  const transition = (device: string, to: AvailabilityState, extra: Partial<Transition> = {}, village = 'dong-cam') => {
    const entry = devices.get({ village, device });
    if (!entry) throw new Error(`no device ${device}`);
    const from = entry.state;
    entry.state = to;
    entry.since = Date.now();
    if (extra.reason) entry.reason = extra.reason;
    if (to === 'unreachable' && extra.cause) entry.cause = extra.cause;
    else delete entry.cause;
    bus.emit('transition', { village, device, kind: entry.kind, ts: Date.now(), from, to, ...extra });
  };
  const reading = (device: string, fields: Record<string, number | boolean>, village = 'dong-cam') => {
    const entry = devices.get({ village, device });
    if (!entry) throw new Error(`no device ${device}`);
    entry.telemetry = { ts: Date.now(), fields };
    bus.emit('reading', { village, device, kind: entry.kind, ts: Date.now(), fields });
  };
  const changes = () => events.map((e) => `${e.change} ${e.alert.key}`);
  return { ctx, config, bus, devices, state, engine, events, transition, reading, changes };
}
