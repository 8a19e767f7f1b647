import type { Topics } from '../../hub/broker/topics.js';
import type { DeviceConfig, VillageConfig } from '../../hub/config/schema.js';
import { failureModes, SimulatedDevice, type FailureMode, type SimRuntime } from './device.js';

/** `sim.enabled` is the caller's business; the fleet only reads the intervals. */
export interface FleetOptions extends SimRuntime {
  /** Broker URL the devices connect to, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  /** The hub's internal account for its simulators; none for a broker that takes anonymous clients. */
  credentials?: { username: string; password: string };
  topics: Topics;
  villages: readonly VillageConfig[];
  devices: readonly DeviceConfig[];
  /**
   * A device below a failing parent that this fleet does not simulate (a polled one, whose protocol
   * simulator lives in ProtocolFleet) is cut off or reconnected.
   */
  onIsolate?: (village: string, device: string, isolated: boolean) => void;
}

export interface FleetStats {
  devices: number;
  connected: number;
  failing: Record<FailureMode, number>;
  /** Devices silent because a parent (router, switch) is down. */
  isolated: number;
  published: { status: number; telemetry: number; event: number };
  failures: number;
  recoveries: number;
}

/**
 * A device whose failure takes its children down (the router, the switch) fails this many times
 * less often than a leaf, so the demo village is mostly up and its uptime figures look plausible.
 */
const PARENT_FAILURE_FACTOR = 3;

/** Every configured device that publishes for itself, as a simulated MQTT client; failures of a parent silence its subtree. */
export class FleetSimulator {
  private readonly devices = new Map<string, SimulatedDevice>();
  /** Device key → keys of every device below it in the parent chain. */
  private readonly descendants = new Map<string, string[]>();
  private running = false;

  constructor(private readonly opts: FleetOptions) {
    const villages = new Map(opts.villages.map((v) => [v.id, v]));
    const children = new Map<string, string[]>();
    for (const d of opts.devices) {
      if (d.parent === undefined) continue;
      const parentKey = key(d.village, d.parent);
      children.set(parentKey, [...(children.get(parentKey) ?? []), key(d.village, d.id)]);
    }
    for (const d of opts.devices) {
      // A device with a `poll:` block is the hub's pollers' job (hub/pollers/pollers.ts); simulating it too would double it.
      if (d.poll !== undefined) continue;
      const k = key(d.village, d.id);
      this.descendants.set(k, collect(k, children));
      const village = villages.get(d.village) ?? { id: d.village, name: d.village, timezone: 'Asia/Ho_Chi_Minh' };
      const isParent = (children.get(k)?.length ?? 0) > 0;
      this.devices.set(
        k,
        new SimulatedDevice({
          url: opts.url,
          ...(opts.credentials ? { credentials: opts.credentials } : {}),
          topics: opts.topics,
          village,
          device: d,
          sim: { ...opts.sim, failureEveryS: opts.sim.failureEveryS * (isParent ? PARENT_FAILURE_FACTOR : 1) },
          log: opts.log,
          ...(opts.random ? { random: opts.random } : {}),
          ...(opts.clock ? { clock: opts.clock } : {}),
          ...(opts.failureDurationS ? { failureDurationS: opts.failureDurationS } : {}),
          ...(opts.randomFailures !== undefined ? { randomFailures: opts.randomFailures } : {}),
          onFailure: () => this.cascade(k, 'isolate'),
          onRecover: () => this.cascade(k, 'unisolate'),
        }),
      );
    }
  }

  /** Connects every device; resolves once all have connected, or after `capMs` (a slow broker is not fatal). */
  async start(capMs = 5_000): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const d of this.devices.values()) d.start();
    const connected = await Promise.all([...this.devices.values()].map((d) => d.whenConnected(capMs)));
    const missing = connected.filter((ok) => !ok).length;
    if (missing > 0) this.opts.log.warn({ missing, url: this.opts.url }, 'some simulated devices have not connected yet; they keep retrying');
    this.opts.log.info({ devices: this.devices.size, telemetryEveryS: this.opts.sim.telemetryEveryS, failureEveryS: this.opts.sim.failureEveryS }, 'fleet simulator started');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.all([...this.devices.values()].map((d) => d.stop()));
  }

  /** Starts a failure on one device now (and silences its children); false if it is already failing. */
  failNow(village: string, device: string, mode: FailureMode, durationS?: number): boolean {
    if (!(failureModes as readonly string[]).includes(mode)) {
      throw new Error(`unknown failure mode "${String(mode)}": expected ${failureModes.join(', ')}`);
    }
    return this.get(village, device).fail(mode, durationS);
  }

  /** Ends a device's failure now; false if it was not failing. */
  recoverNow(village: string, device: string): boolean {
    return this.get(village, device).recover();
  }

  device(village: string, device: string): SimulatedDevice {
    return this.get(village, device);
  }

  stats(): FleetStats {
    const out: FleetStats = {
      devices: this.devices.size,
      connected: 0,
      failing: { 'power-loss': 0, hang: 0, explicit: 0 },
      isolated: 0,
      published: { status: 0, telemetry: 0, event: 0 },
      failures: 0,
      recoveries: 0,
    };
    for (const d of this.devices.values()) {
      const s = d.stats();
      if (s.connected) out.connected++;
      if (s.failure) out.failing[s.failure]++;
      if (s.isolated) out.isolated++;
      out.published.status += s.published.status;
      out.published.telemetry += s.published.telemetry;
      out.published.event += s.published.event;
      out.failures += s.failures;
      out.recoveries += s.recoveries;
    }
    return out;
  }

  private get(village: string, device: string): SimulatedDevice {
    const d = this.devices.get(key(village, device));
    if (!d) throw new Error(`no simulated device "${device}" in village "${village}"`);
    return d;
  }

  private cascade(from: string, action: 'isolate' | 'unisolate'): void {
    for (const k of this.descendants.get(from) ?? []) {
      const d = this.devices.get(k);
      if (d) d[action]();
      else {
        const [village = '', device = ''] = k.split('/');
        this.opts.onIsolate?.(village, device, action === 'isolate');
      }
    }
  }
}

function key(village: string, device: string): string {
  return `${village}/${device}`;
}

/** All keys below `root`; the config schema already refuses parent cycles, the `seen` set is belt and braces. */
function collect(root: string, children: Map<string, string[]>): string[] {
  const out: string[] = [];
  const seen = new Set([root]);
  const queue = [...(children.get(root) ?? [])];
  for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(k);
    queue.push(...(children.get(k) ?? []));
  }
  return out;
}
