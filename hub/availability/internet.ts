import type { z } from 'zod';
import type { internetTargetSchema } from '../config/alerts.js';
import type { HubContext } from '../context.js';
import type { InternetState, ReasonFields } from '../core/domain.js';
import { httpProbe, icmpProbe, tcpProbe } from '../../devices/probes.js';
import type { InternetView } from '../../shared/events.js';

export type InternetTarget = z.infer<typeof internetTargetSchema>;
/** Probes one internet target within timeoutMs; resolves with the round trip in ms or throws a readable error. */
export type InternetProbe = (target: InternetTarget, timeoutMs: number, signal: AbortSignal) => Promise<number>;

export function describeTarget(t: InternetTarget): string {
  return t.type === 'http' ? t.url : t.type === 'tcp' ? `${t.host}:${t.port}` : `ping ${t.host}`;
}

/**
 * The hub's Internet link (the village PC's WAN), probed from the hub (DESIGN.md §4): up while any target answers,
 * down after `failuresToDown` rounds in which none did. A WAN outage is its own state and its own
 * alert, shown apart from device outages; notifications queued meanwhile go out when it is back.
 */
export class InternetMonitor {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failures = 0;
  private current: InternetState['state'] = 'unknown';
  private since: number;
  private reason: string | undefined;
  /** What people read for `reason`: every target failed (how many were tried). */
  private coded: Pick<ReasonFields, 'reasonCode' | 'reasonParams'> = {};
  private rttMs: number | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly ctx: HubContext,
    private readonly probe: InternetProbe,
  ) {
    this.since = ctx.clock.now();
  }

  start(): void {
    const { config, clock } = this.ctx;
    if (config.internet.targets.length === 0) return;
    this.timer = clock.setInterval(() => void this.round(), config.internet.intervalS * 1000);
    void this.round();
  }

  stop(): void {
    this.abort.abort();
    if (this.timer) this.ctx.clock.clearInterval(this.timer);
    this.timer = null;
  }

  view(): InternetView {
    return { state: this.current, since: this.since, reason: this.reason ?? null, ...this.coded, rttMs: this.rttMs, probed: this.ctx.config.internet.targets.length > 0 };
  }

  /** One probing round: every target in parallel, each with its own timeout. */
  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { config, counters } = this.ctx;
    try {
      const results = await Promise.allSettled(
        config.internet.targets.map((t) => this.probe(t, config.internet.timeoutS * 1000, this.abort.signal)),
      );
      const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (ok.length > 0) {
        this.failures = 0;
        this.rttMs = Math.min(...ok);
        this.set('up');
      } else {
        this.failures++;
        counters.inc('internet.failed_rounds');
        // A target URL may carry credentials, and an error may quote it: the reason is shown and sent to people.
        const why = this.ctx.redact(
          results
            .map((r, i) => `${describeTarget(config.internet.targets[i] as InternetTarget)}: ${r.status === 'rejected' ? errorText(r.reason) : 'ok'}`)
            .join('; '),
        );
        if (this.failures >= config.internet.failuresToDown) this.set('down', why, { reasonCode: 'internet-unreachable', reasonParams: { tried: results.length } });
      }
    } finally {
      this.running = false;
    }
  }

  private set(state: 'up' | 'down', reason?: string, coded: Pick<ReasonFields, 'reasonCode' | 'reasonParams'> = {}): void {
    if (state === this.current) return;
    const now = this.ctx.clock.now();
    this.current = state;
    this.since = now;
    this.reason = reason;
    this.coded = coded;
    this.ctx.log.info({ module: 'internet', internet: state, reason }, state === 'down' ? 'internet link down' : 'internet link up');
    // One link serves every village of this hub: one event (and one alert), not one per village.
    this.ctx.bus.emit('internet', { state, ts: now, ...(reason ? { reason } : {}), ...coded });
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.name === 'TimeoutError' ? 'timeout' : e.message;
  return String(e);
}

/** Probes with the same ICMP/TCP/HTTP checks the meeting-set driver uses. */
export const defaultInternetProbe: InternetProbe = async (t, timeoutMs, signal) => {
  const r =
    t.type === 'icmp'
      ? await icmpProbe(t.host, timeoutMs, signal)
      : t.type === 'tcp'
        ? await tcpProbe(t.host, t.port, timeoutMs, signal)
        : await httpProbe(t.url, {}, timeoutMs, signal);
  if (!r.ok) throw new Error(r.why);
  return r.ms;
};
