import path from 'node:path';
import { driverFor } from '../../devices/index.js';
import { PolledDevice } from '../../devices/polled-device.js';
import { MqttConnection } from '../../devices/publisher.js';
import type { MqttBroker } from '../broker/broker.js';
import type { HubContext } from '../context.js';
import type { RunnerStats } from '../../devices/runner.js';

/** The client id of the pollers' shared connection. */
export const POLLERS_CLIENT_ID = 'hub-pollers';

/**
 * Runs the hub's own pollers: every configured device with a `poll:` block is checked by its kind's
 * driver and its results published to the embedded broker, each device on its own topics, over one MQTT
 * connection shared by all of them (a connection per device cost ~0.2 MiB of the hub's memory each,
 * docs/benchmarks.md). The shared connection has no Last Will: when the pollers stop, the hub says
 * nothing about the devices (as a stopping poller never did), and when the hub crashes its own
 * `$hub/status` Last Will says so.
 */
export class Pollers {
  private readonly running: PolledDevice[] = [];
  private readonly byKey = new Map<string, PolledDevice>();
  private connection: MqttConnection | null = null;

  constructor(
    private readonly ctx: HubContext,
    private readonly broker: MqttBroker,
  ) {}

  async start(): Promise<void> {
    const { config, log, clock } = this.ctx;
    const villages = new Map(config.villages.map((v) => [v.id, v]));
    const starts: Array<Promise<void>> = [];
    if (!config.devices.some((d) => d.poll)) return;
    // The hub's own MQTT account for its pollers: made at each start, never stored (hub/broker/accounts.ts).
    const credentials = this.broker.internalAccount('pollers');
    const connection = new MqttConnection({ url: `mqtt://127.0.0.1:${this.broker.ports.tcp}`, clientId: POLLERS_CLIENT_ID, ...credentials });
    await connection.connect();
    this.connection = connection;
    for (const device of config.devices) {
      if (!device.poll) continue;
      const driver = driverFor(device.kind);
      const village = villages.get(device.village);
      if (!driver || !village) continue; // refused by config validation already
      const settings = driver.configSchema.parse(device.poll);
      const polled = new PolledDevice({
        driver,
        settings,
        village,
        device,
        connection,
        topics: this.broker.topics,
        log: log.child({ module: 'poller', village: village.id, device: device.id }),
        dataDir: path.join(path.resolve(config.dataDir), 'devices', village.id, device.id),
        clock,
        redact: this.ctx.redact,
      });
      this.running.push(polled);
      this.byKey.set(`${village.id}/${device.id}`, polled);
      starts.push(polled.start());
    }
    await Promise.all(starts);
    if (this.running.length > 0) log.info({ pollers: this.running.length }, 'pollers started');
  }

  get(village: string, device: string): PolledDevice | undefined {
    return this.byKey.get(`${village}/${device}`);
  }

  stats(): { pollers: number; worstLagMs: number; p99LagMs: number; runs: number; failures: number } {
    const all = this.running.map((p) => p.stats()).filter((s): s is RunnerStats => s !== null);
    return {
      pollers: this.running.length,
      worstLagMs: Math.max(0, ...all.map((s) => s.worstLagMs)),
      p99LagMs: percentile(this.recentLags(), 99),
      runs: all.reduce((a, s) => a + s.runs, 0),
      failures: all.reduce((a, s) => a + s.failures, 0),
    };
  }

  /** Lags (ms) of every poller's recent scheduled checks due at or after `since`. */
  recentLags(since = 0): number[] {
    return this.running.flatMap((p) => p.recentLags(since));
  }

  async stop(): Promise<void> {
    await Promise.all(this.running.map((p) => p.stop()));
    this.running.length = 0;
    this.byKey.clear();
    // DISCONNECT, not a dropped socket: no Last Will, no status said for any device.
    await this.connection?.end();
    this.connection = null;
  }
}

/** The p-th percentile (nearest rank) of `values`; 0 when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}
