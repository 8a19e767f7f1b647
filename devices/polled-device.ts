import type { Topics } from '../hub/broker/topics.js';
import { systemClock, type Clock } from '../hub/core/clock.js';
import type { DeviceConfig, VillageConfig } from '../hub/config/schema.js';
import type { Logger } from '../hub/core/log.js';
import type { Reason } from '../shared/reasons.js';
import type { DeviceDriver, DriverInstance, PollSettings } from './driver.js';
import { DevicePublisher } from './publisher.js';
import { PollRunner, type RunResult, type RunnerStats } from './runner.js';

export interface PolledDeviceOptions<S extends PollSettings> {
  driver: DeviceDriver<S>;
  settings: S;
  village: VillageConfig;
  device: DeviceConfig;
  mqttUrl: string;
  topics: Topics;
  log: Logger;
  dataDir: string;
  clock?: Clock;
  random?: () => number;
  /** MQTT client id; pollers in the hub use `poller-<village>-<device>`, agents their own. */
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
      url: this.opts.mqttUrl,
      topics: this.opts.topics,
      village: village.id,
      device: device.id,
      clientId: this.opts.clientId ?? `poller-${village.id}-${device.id}`,
      ...(this.opts.mqttUsername ? { username: this.opts.mqttUsername } : {}),
      ...(this.opts.mqttPassword ? { password: this.opts.mqttPassword } : {}),
      ...(this.opts.mqttCa ? { ca: this.opts.mqttCa } : {}),
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
    // The poller stops, not the device: its state becomes unknown to us, so say so instead of "offline".
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
