import type { Topics } from '../hub/broker/topics.js';
import { systemClock, type Clock } from '../hub/core/clock.js';
import type { DeviceConfig, VillageConfig } from '../hub/config/schema.js';
import type { Logger } from '../hub/core/log.js';
import type { Reason } from '../shared/reasons.js';
import type { DeviceDriver, DriverInstance, PollSettings } from './driver.js';
import { DevicePublisher, type ConnectionOptions, type MqttConnection } from './publisher.js';
import { PollRunner, type RunResult, type RunnerStats } from './runner.js';

export interface PolledDeviceOptions<S extends PollSettings> {
  driver: DeviceDriver<S>;
  settings: S;
  village: VillageConfig;
  device: DeviceConfig;
  /**
   * The broker: a connection shared with other polled devices (the hub's pollers: no Last Will, the
   * hub knows when it stops), or, without it, a connection of its own to `mqttUrl` (an agent on the
   * device, with its Last Will).
   */
  connection?: MqttConnection;
  mqttUrl?: string;
  topics: Topics;
  log: Logger;
  dataDir: string;
  clock?: Clock;
  random?: () => number;
  /** MQTT client id of its own connection (default `poller-<village>-<device>`; agents use their own). */
  clientId?: string;
  mqttUsername?: string;
  mqttPassword?: string;
  /** PEM certificate(s) to trust for an mqtts:// hub (a village's own CA); without it, the system's. */
  mqttCa?: Buffer;
  /**
   * Applied to every reason and info text before it is published: a check error may quote the device's
   * URL with its credentials (an xaddr, an HTTP check), and reasons reach the dashboard and notifications.
   */
  redact?: (text: string) => string;
}

/**
 * One device checked by a driver on a schedule, its results published over MQTT like any device
 * would: `online` + telemetry (with `pollMs`, the check's latency) when the check passes, `offline`
 * with the check's reason (code, parameters, and the error's text as `reason`) when it fails after its
 * retries.
 */
export class PolledDevice<S extends PollSettings = PollSettings> {
  private publisher: DevicePublisher | null = null;
  private runner: PollRunner | null = null;
  private instance: DriverInstance | null = null;
  private lastInfo = '';

  constructor(private readonly opts: PolledDeviceOptions<S>) {}

  async start(): Promise<void> {
    const { driver, settings, village, device, log, dataDir } = this.opts;
    const clock = this.opts.clock ?? systemClock;
    this.instance = driver.create({ village, device, settings, log, clock, dataDir });
    this.publisher = new DevicePublisher({
      topics: this.opts.topics,
      village: village.id,
      device: device.id,
      connection: this.opts.connection ? { shared: this.opts.connection } : { own: this.ownConnection() },
    });
    await this.publisher.connect();
    this.runner = new PollRunner({
      settings,
      check: this.instance.check,
      clock,
      ...(this.opts.random ? { random: this.opts.random } : {}),
      onResult: (r) => this.publish(r),
    });
    this.runner.start();
  }

  private ownConnection(): ConnectionOptions {
    const { mqttUrl, village, device } = this.opts;
    if (!mqttUrl) throw new Error(`poller of ${village.id}/${device.id}: neither a shared MQTT connection nor mqttUrl given`);
    return {
      url: mqttUrl,
      clientId: this.opts.clientId ?? `poller-${village.id}-${device.id}`,
      ...(this.opts.mqttUsername ? { username: this.opts.mqttUsername } : {}),
      ...(this.opts.mqttPassword ? { password: this.opts.mqttPassword } : {}),
      ...(this.opts.mqttCa ? { ca: this.opts.mqttCa } : {}),
    };
  }

  stats(): RunnerStats | null {
    return this.runner?.stats() ?? null;
  }

  /** Lags of the recent scheduled checks due at or after `since` (ms since epoch on the poller's clock). */
  recentLags(since = 0): number[] {
    return this.runner?.recentLags(since) ?? [];
  }

  /** Runs a check immediately (outside the schedule) and publishes its result. */
  async checkNow(): Promise<RunResult | null> {
    if (!this.runner) return null;
    const r = await this.runner.runOnce();
    this.publish(r);
    return r;
  }

  async stop(): Promise<void> {
    this.runner?.stop();
    this.runner = null;
    await this.instance?.close?.();
    this.instance = null;
    // The poller stops, not the device: nothing is said about the device (its own connection ends
    // without its Last Will; a shared one stays open for the others).
    await this.publisher?.end();
    this.publisher = null;
  }

  private publish(r: RunResult): void {
    const p = this.publisher;
    if (!p) return;
    if (r.ok) {
      if (r.down) this.offline(p, r.down);
      else if (p.currentStatus?.state !== 'online') p.status('online');
      p.telemetry({ ...r.fields, pollMs: r.latencyMs });
      if (r.info) {
        const info = this.redact(JSON.stringify(r.info));
        if (info !== this.lastInfo) {
          this.lastInfo = info;
          p.event({ type: 'info', severity: 'info', message: info });
        }
      }
    } else {
      this.offline(p, r.reason);
      this.opts.log.debug({ device: this.opts.device.id, error: r.error }, 'check failed');
    }
  }

  private redact(text: string): string {
    return this.opts.redact ? this.opts.redact(text) : text;
  }

  /** A reason's raw text and string parameters may quote a URL with credentials: masked before they leave. */
  private redactReason(r: Reason): Reason {
    if (!this.opts.redact) return r;
    const params = r.params ? Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, typeof v === 'string' ? this.redact(v) : v])) : undefined;
    return { code: r.code, ...(params ? { params } : {}), ...(r.detail !== undefined ? { detail: this.redact(r.detail) } : {}) };
  }

  private offline(p: DevicePublisher, raw: Reason): void {
    const reason = this.redactReason(raw);
    const cur = p.currentStatus;
    // Same words and same code: nothing new to say (the retained status already says it).
    if (cur?.state !== 'offline' || cur.reason !== reason.detail || cur.code !== reason.code || JSON.stringify(cur.params ?? {}) !== JSON.stringify(reason.params ?? {})) {
      p.status('offline', reason);
    }
  }
}
