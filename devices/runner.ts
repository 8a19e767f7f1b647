import { systemClock, type Clock } from '../hub/core/clock.js';
import type { Reason } from '../shared/reasons.js';
import { CheckError, reasonOf, type Check, type CheckResult, type PollSettings } from './driver.js';

export type RunResult =
  | ({ ok: true; latencyMs: number; attempts: number; lagMs: number } & CheckResult)
  /** `error` is the technical text; `reason` its code and parameters, with that text as its detail. */
  | { ok: false; error: string; reason: Reason; latencyMs: number; attempts: number; lagMs: number };

export interface RunnerStats {
  runs: number;
  failures: number;
  /** Worst delay between when a check was due and when it started (ms). */
  worstLagMs: number;
  lastLatencyMs: number | null;
  skipped: number;
}

/** How many recent runs' lags a runner keeps for percentiles. */
export const LAG_SAMPLES = 64;

export interface RunnerOptions {
  settings: PollSettings;
  check: Check;
  onResult: (r: RunResult) => void;
  clock?: Clock;
  random?: () => number;
}

/**
 * Owns a check's schedule (DESIGN.md §9): fixed-rate interval with a random first offset (so a fleet
 * does not poll in lockstep), a timeout per attempt via AbortSignal, retries, and latency measurement.
 * A check that ignores its signal still cannot block: the attempt is abandoned at the timeout.
 * A run that overruns its interval skips the missed slots instead of piling them up.
 */
export class PollRunner {
  private timer: NodeJS.Timeout | null = null;
  private inflight: AbortController | null = null;
  private nextDue = 0;
  private running = false;
  private stopped = true;
  /** Set by stop(): no further retries of a run already under way. */
  private halted = false;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly s: RunnerStats = { runs: 0, failures: 0, worstLagMs: 0, lastLatencyMs: null, skipped: 0 };
  /** Ring of the last LAG_SAMPLES runs: when each was due, and its lag. */
  // The recent runs' due times and lags, as numbers outside the JavaScript heap: 500 polled devices
  // held 32 000 small objects here.
  private readonly lagDue = new Float64Array(LAG_SAMPLES);
  private readonly lagMs = new Float64Array(LAG_SAMPLES);
  private lagCount = 0;
  private lagNext = 0;

  constructor(private readonly opts: RunnerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    this.stopped = false;
    this.halted = false;
    const intervalMs = this.opts.settings.intervalS * 1000;
    this.nextDue = this.clock.now() + Math.floor(this.random() * Math.min(intervalMs, 10_000));
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.halted = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.inflight?.abort(new Error('stopped'));
  }

  stats(): RunnerStats {
    return { ...this.s };
  }

  /** Lags (ms) of the recent scheduled runs due at or after `since` (at most the last LAG_SAMPLES). */
  recentLags(since = 0): number[] {
    const out: number[] = [];
    // Oldest first, as they were recorded.
    const start = this.lagCount < LAG_SAMPLES ? 0 : this.lagNext;
    for (let k = 0; k < this.lagCount; k++) {
      const i = (start + k) % LAG_SAMPLES;
      if (this.lagDue[i]! >= since) out.push(this.lagMs[i]!);
    }
    return out;
  }

  /** Runs the check now with retries and timeouts; used by the schedule and by "check now" requests. */
  async runOnce(dueAt = this.clock.now()): Promise<RunResult> {
    const { retries, timeoutS } = this.opts.settings;
    const started = this.clock.now();
    const lagMs = Math.max(0, started - dueAt);
    let last: Reason = { code: 'check-failed', detail: 'no attempt made' };
    let attempts = 0;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0 && this.halted) break;
      attempts++;
      const t0 = performance.now();
      try {
        const result = await this.attempt(timeoutS * 1000);
        return { ok: true, ...result, latencyMs: Math.round(performance.now() - t0), attempts, lagMs };
      } catch (err) {
        last = reasonOf(err);
      }
    }
    const suffix = retries > 0 ? ` (after ${attempts} attempts)` : '';
    const error = `${last.detail ?? last.code}${suffix}`;
    return { ok: false, error, reason: { ...last, detail: error }, latencyMs: Math.round(this.clock.now() - started), attempts, lagMs };
  }

  private attempt(timeoutMs: number): Promise<CheckResult> {
    const ac = new AbortController();
    this.inflight = ac;
    return new Promise<CheckResult>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        const err = new CheckError('timeout', `timeout after ${timeoutMs / 1000} s`, { s: timeoutMs / 1000 });
        ac.abort(err);
        reject(err);
      }, timeoutMs);
      this.opts.check(ac.signal).then(
        (r) => {
          this.clock.clearTimeout(timer);
          resolve(r);
        },
        (err: unknown) => {
          this.clock.clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }).finally(() => {
      if (this.inflight === ac) this.inflight = null;
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    const wait = Math.max(0, this.nextDue - this.clock.now());
    this.timer = this.clock.setTimeout(() => void this.tick(), wait);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.stopped || this.running) return;
    this.running = true;
    const due = this.nextDue;
    try {
      const r = await this.runOnce(due);
      this.s.runs++;
      if (!r.ok) this.s.failures++;
      this.s.lastLatencyMs = r.latencyMs;
      this.s.worstLagMs = Math.max(this.s.worstLagMs, r.lagMs);
      this.lagDue[this.lagNext] = due;
      this.lagMs[this.lagNext] = r.lagMs;
      this.lagNext = (this.lagNext + 1) % LAG_SAMPLES;
      this.lagCount = Math.min(this.lagCount + 1, LAG_SAMPLES);
      if (!this.stopped) this.opts.onResult(r);
    } finally {
      this.running = false;
    }
    const intervalMs = this.opts.settings.intervalS * 1000;
    this.nextDue = due + intervalMs;
    const now = this.clock.now();
    if (this.nextDue < now) {
      const missed = Math.ceil((now - this.nextDue) / intervalMs);
      this.s.skipped += missed;
      this.nextDue += missed * intervalMs;
    }
    this.schedule();
  }
}
