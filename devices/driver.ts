import type { z } from 'zod';
import type { Clock } from '../hub/core/clock.js';
import type { DeviceConfig, DeviceKind, VillageConfig } from '../hub/config/schema.js';
import type { Logger } from '../hub/core/log.js';
import type { Reason, ReasonCode, ReasonParams } from '../shared/reasons.js';

/**
 * A check's failure with its reason code (shared/reasons.ts): the code and parameters are what people
 * read, translated; the message is the raw technical text, kept for commune IT ("ONVIF: 401
 * Unauthorized", "RTSP: connection refused").
 */
export class CheckError extends Error {
  constructor(
    readonly code: ReasonCode,
    message: string,
    readonly params: ReasonParams = {},
  ) {
    super(message);
    this.name = 'CheckError';
  }

  get reason(): Reason {
    return { code: this.code, ...(Object.keys(this.params).length > 0 ? { params: this.params } : {}), detail: this.message };
  }
}

/** The reason of anything a check threw: a CheckError's own, else `check-failed` with the error's text. */
export function reasonOf(err: unknown): Reason {
  if (err instanceof CheckError) return err.reason;
  return { code: 'check-failed', detail: err instanceof Error ? err.message : String(err) };
}

/** What one check learned about a device: telemetry fields, plus descriptive facts (model, firmware…). */
export interface CheckResult {
  fields: Record<string, number | boolean>;
  /** Facts that rarely change; published as an `info` event when they do. */
  info?: Record<string, string>;
  /**
   * The device answered but is not doing its job (stream dead, a required meeting-set component down):
   * the fields are still published, and the device is reported offline with this reason.
   */
  down?: Reason;
}

/**
 * One check of a device. It returns a reading or throws a CheckError: a reason code people read in their
 * language, and a message commune IT can act on ("ONVIF: 401 Unauthorized", "RTSP: connection refused";
 * any other Error reads as `check-failed` with its message). It must honour `signal`: the runner aborts
 * it at the timeout. Interval, jitter, retries and latency are the runner's job, not the check's.
 */
export type Check = (signal: AbortSignal) => Promise<CheckResult>;

/** Settings every polled device has, whatever its kind; drivers extend this schema. */
export interface PollSettings {
  intervalS: number;
  timeoutS: number;
  retries: number;
}

export interface DriverContext<S extends PollSettings> {
  village: VillageConfig;
  device: DeviceConfig;
  settings: S;
  log: Logger;
  clock: Clock;
  /** Where the device's data lives (e.g. the latest good camera snapshot). */
  dataDir: string;
}

/** A running check target; `close` releases sockets/sessions held between checks. */
export interface DriverInstance {
  check: Check;
  close?(): Promise<void> | void;
}

/**
 * The plug-in contract for a device kind (DESIGN.md §2): its settings schema and how to check one
 * device. A driver publishes nothing itself: the runner publishes its results over MQTT with the
 * topic contract, so a poller inside the hub and an agent on the device look the same downstream.
 */
export interface DeviceDriver<S extends PollSettings = PollSettings> {
  readonly kind: DeviceKind;
  /** Parses the device's `poll:` block; defaults live here. */
  readonly configSchema: z.ZodType<S>;
  create(ctx: DriverContext<S>): DriverInstance;
}
