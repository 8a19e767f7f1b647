import { connect, type MqttClient } from 'mqtt';
import type { z } from 'zod';
import type { Topics } from '../../hub/broker/topics.js';
import { systemClock, type Clock } from '../../hub/core/clock.js';
import type { DeviceConfig, DeviceKind, VillageConfig, simSchema } from '../../hub/config/schema.js';
import type { Logger } from '../../hub/core/log.js';
import { descriptorOf } from '../index.js';
import type { DeviceKindDescriptor } from '../kind.js';
import { rng, round, type Model, type Rng } from './random.js';

export { seededRandom } from './random.js';

/**
 * One simulated device (or the agent/poller speaking for it) publishing over MQTT exactly as the
 * topic contract asks (DESIGN.md §3): retained status with a Last Will, telemetry with the kind's
 * fields, and now and then a failure the hub has to notice.
 */

export const failureModes = ['power-loss', 'hang', 'explicit'] as const;
/**
 * power-loss: the socket dies without DISCONNECT, so the broker publishes the Last Will;
 * hang: the connection stays up but nothing is published (only the hub's heartbeat timeout sees it);
 * explicit: a retained `{"state":"offline","reason":...}` status.
 */
export type FailureMode = (typeof failureModes)[number];

export type SimSettings = Pick<z.infer<typeof simSchema>, 'failureEveryS' | 'telemetryEveryS'>;
export type Fields = Record<string, number | boolean>;

/** What every simulator of the fleet is run with: failure pacing, randomness and time. */
export interface SimRuntime {
  sim: SimSettings;
  log: Logger;
  random?: () => number;
  clock?: Clock;
  /** Length of one failure in seconds, drawn uniformly from [min, max]. */
  failureDurationS?: readonly [number, number];
  /** false: fail only on command (fail() / failNow()); the scripted tests use this. */
  randomFailures?: boolean;
}

export interface SimulatedDeviceOptions extends SimRuntime {
  url: string;
  credentials?: { username: string; password: string };
  topics: Topics;
  village: VillageConfig;
  device: DeviceConfig;
  onFailure?: (mode: FailureMode) => void;
  onRecover?: (mode: FailureMode) => void;
}

export interface DeviceStats {
  connected: boolean;
  failure: FailureMode | null;
  isolated: boolean;
  published: { status: number; telemetry: number; event: number };
  failures: number;
  recoveries: number;
}

// setTimeout fires at once for delays above 2^31-1 ms; a huge failureEveryS must mean "rarely", not "now".
const MAX_DELAY_MS = 2_147_483_647;

/** Fractional local hour (e.g. 20.5 = 20:30) in the village's time zone. */
function hourFormatter(timeZone: string, log: Logger): (ms: number) => number {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
  } catch {
    log.warn({ timeZone }, 'unknown time zone; simulating in Asia/Ho_Chi_Minh');
    fmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
  }
  return (ms) => {
    const parts = fmt.formatToParts(ms);
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    return get('hour') + get('minute') / 60;
  };
}

export class SimulatedDevice {
  readonly village: string;
  readonly id: string;
  readonly kind: DeviceKind;
  private readonly descriptor: DeviceKindDescriptor;
  readonly clientId: string;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly g: Rng;
  private readonly log: Logger;
  private readonly hourAt: (ms: number) => number;
  private model: Model;
  private client: MqttClient | null = null;
  private running = false;
  private failure: FailureMode | null = null;
  private reason = '';
  private isolatedBy = 0;
  private bootAt = 0;
  private announceBoot = false;
  private readonly timers = { telemetry: null as NodeJS.Timeout | null, nextFailure: null as NodeJS.Timeout | null, recover: null as NodeJS.Timeout | null };
  private readonly counts = { status: 0, telemetry: 0, event: 0, failures: 0, recoveries: 0 };

  constructor(private readonly opts: SimulatedDeviceOptions) {
    this.village = opts.village.id;
    this.id = opts.device.id;
    this.kind = opts.device.kind;
    const descriptor = descriptorOf(this.kind);
    if (!descriptor) throw new Error(`no descriptor for device kind "${this.kind}"`);
    this.descriptor = descriptor;
    this.clientId = `sim-${this.village}-${this.id}`;
    this.random = opts.random ?? Math.random;
    this.clock = opts.clock ?? systemClock;
    this.g = rng(this.random);
    this.log = opts.log.child({ device: `${this.village}/${this.id}` });
    this.hourAt = hourFormatter(opts.village.timezone, this.log);
    this.model = this.descriptor.simulation.model(this.g, opts.device);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.failure = null;
    this.isolatedBy = 0;
    this.bootAt = this.clock.now();
    this.connect();
    // First reading after a random fraction of the interval, so a fleet does not publish in lockstep.
    this.scheduleTelemetry(this.g.uniform(0.1, 1));
    this.scheduleFailure();
  }

  /** Ends cleanly: a DISCONNECT (so no Last Will), no further publishes, no timers left. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const key of Object.keys(this.timers) as (keyof typeof this.timers)[]) this.clear(key);
    const client = this.client;
    this.client = null;
    if (client) await endClient(client, !client.connected);
  }

  /** Starts a failure now; false when the device is stopped or already failing. */
  fail(mode: FailureMode, durationS?: number): boolean {
    if (!this.running || this.failure) return false;
    this.failure = mode;
    this.counts.failures++;
    this.clear('nextFailure');
    if (mode === 'power-loss') this.powerCut();
    else if (mode === 'explicit') {
      this.reason = this.g.pick(this.descriptor.simulation.offlineReasons);
      if (!this.isolated) this.publishStatus('offline', this.reason);
    }
    const [lo, hi] = this.opts.failureDurationS ?? [20, 120];
    const seconds = durationS ?? this.g.uniform(lo, hi);
    this.timers.recover = this.clock.setTimeout(() => {
      this.timers.recover = null;
      this.recover();
    }, Math.min(MAX_DELAY_MS, seconds * 1000));
    this.log.info({ mode, seconds: round(seconds) }, 'simulated failure');
    this.opts.onFailure?.(mode);
    return true;
  }

  /** Ends the current failure now; false when there is none. */
  recover(): boolean {
    const mode = this.failure;
    if (!this.running || !mode) return false;
    this.clear('recover');
    this.failure = null;
    this.counts.recoveries++;
    if (mode === 'power-loss') {
      // Power back: the device boots afresh, uptime restarts and it reconnects with its Last Will set again.
      this.bootAt = this.clock.now();
      this.model = this.descriptor.simulation.model(this.g, this.opts.device);
      this.announceBoot = true;
      this.connect();
    } else if (this.client?.connected && !this.isolated) {
      this.publishStatus('online');
      this.publishTelemetry();
    }
    this.scheduleFailure();
    this.log.info({ mode }, 'simulated recovery');
    this.opts.onRecover?.(mode);
    return true;
  }

  /**
   * A device behind a failed parent (router → switch → camera) cannot reach the hub: it stays silent
   * until every failed ancestor is back. Calls nest, one per failed ancestor.
   */
  isolate(): void {
    this.isolatedBy++;
  }

  unisolate(): void {
    if (this.isolatedBy === 0) return;
    this.isolatedBy--;
    if (this.isolated || !this.running || !this.client?.connected) return;
    if (this.failure === 'explicit') this.publishStatus('offline', this.reason);
    else if (!this.failure) {
      this.publishStatus('online');
      this.publishTelemetry();
    }
  }

  /** Resolves on the next successful connect (at once if connected), or after `capMs`. */
  whenConnected(capMs = 5_000): Promise<boolean> {
    const client = this.client;
    if (!client || client.connected) return Promise.resolve(client?.connected ?? false);
    return new Promise((resolve) => {
      const onConnect = (): void => done(true);
      const cap = setTimeout(() => done(false), capMs);
      const done = (ok: boolean): void => {
        clearTimeout(cap);
        client.off('connect', onConnect);
        resolve(ok);
      };
      client.on('connect', onConnect);
    });
  }

  get isolated(): boolean {
    return this.isolatedBy > 0;
  }

  stats(): DeviceStats {
    const { failures, recoveries, ...published } = this.counts;
    return { connected: this.client?.connected ?? false, failure: this.failure, isolated: this.isolated, published, failures, recoveries };
  }

  private connect(): void {
    const { topics } = this.opts;
    const client = connect(this.opts.url, {
      clientId: this.clientId,
      ...(this.opts.credentials ?? {}),
      clean: true,
      keepalive: 30,
      reconnectPeriod: 2_000,
      connectTimeout: 10_000,
      will: { topic: topics.status(this.village, this.id), payload: Buffer.from(JSON.stringify({ state: 'offline', reason: 'lwt' })), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'simulated device MQTT error'));
  }

  /** Runs on the first connect and after every reconnect (e.g. the hub restarted). */
  private onConnect(client: MqttClient): void {
    if (!this.running || client !== this.client || this.isolated) return;
    if (this.failure === 'explicit') {
      this.publishStatus('offline', this.reason);
      return;
    }
    if (this.failure) return;
    this.publishStatus('online');
    if (this.announceBoot) {
      this.announceBoot = false;
      this.publish('event', { type: 'boot', ts: this.clock.now(), severity: 'info', message: 'Thiết bị khởi động lại sau khi mất điện' }, 1, false);
    }
  }

  private powerCut(): void {
    const client = this.client;
    this.client = null;
    if (!client) return;
    // No DISCONNECT packet: to the broker this is a dead socket, so it publishes the Last Will.
    client.stream?.destroy();
    client.end(true);
  }

  private get canPublish(): boolean {
    return this.running && !this.failure && !this.isolated && (this.client?.connected ?? false);
  }

  private scheduleTelemetry(fraction = 1): void {
    const everyMs = this.opts.sim.telemetryEveryS * 1000;
    // ±10 % jitter, like real polling loops drifting apart.
    const delay = Math.max(1, everyMs * fraction * this.g.uniform(0.9, 1.1));
    this.timers.telemetry = this.clock.setTimeout(() => {
      this.timers.telemetry = null;
      if (!this.running) return;
      this.publishTelemetry();
      this.scheduleTelemetry();
    }, Math.min(MAX_DELAY_MS, delay));
  }

  private publishTelemetry(): void {
    if (!this.canPublish) return;
    const now = this.clock.now();
    const fields = this.model({ hour: this.hourAt(now), uptimeS: (now - this.bootAt) / 1000, everyS: this.opts.sim.telemetryEveryS });
    this.publish('telemetry', { ts: now, ...fields }, 0, false);
  }

  private publishStatus(state: 'online' | 'offline', reason?: string): void {
    if (!this.running || !this.client) return;
    this.publish('status', { state, ts: this.clock.now(), ...(reason ? { reason } : {}) }, 1, true);
  }

  private publish(channel: 'status' | 'telemetry' | 'event', payload: object, qos: 0 | 1, retain: boolean): void {
    const client = this.client;
    if (!client) return;
    const topic = this.opts.topics[channel](this.village, this.id);
    this.counts[channel]++;
    client.publish(topic, JSON.stringify(payload), { qos, retain }, (err) => {
      if (err && this.running) this.log.debug({ err: err.message, topic }, 'simulated publish failed');
    });
  }

  /** Exponential gaps: failures arrive as a Poisson process with mean failureEveryS. */
  private scheduleFailure(): void {
    if (this.opts.randomFailures === false || !this.running) return;
    this.clear('nextFailure');
    const delay = -Math.log(1 - this.random()) * this.opts.sim.failureEveryS * 1000;
    this.timers.nextFailure = this.clock.setTimeout(() => {
      this.timers.nextFailure = null;
      this.fail(this.g.pick(failureModes));
    }, Math.min(MAX_DELAY_MS, Math.max(1, delay)));
  }

  private clear(key: keyof typeof this.timers): void {
    const t = this.timers[key];
    if (t) this.clock.clearTimeout(t);
    this.timers[key] = null;
  }
}

/** Resolves when the client has ended; a socket that is already gone never reports closing, hence the cap. */
function endClient(client: MqttClient, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    const cap = setTimeout(resolve, 1_000);
    client.end(force, () => {
      clearTimeout(cap);
      resolve();
    });
  });
}
