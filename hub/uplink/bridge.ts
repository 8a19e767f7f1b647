import type { MqttClient } from 'mqtt';
import type { Logger } from '../core/log.js';
import { UpstreamLink, type LinkOptions } from './link.js';
import type { UplinkQueue } from './queue.js';
import type { QueuedMessage } from './queue-files.js';

export interface BridgeOptions {
  link: Omit<LinkOptions, 'onUp' | 'onDown' | 'log'>;
  queue: UplinkQueue;
  /** Backlog messages per second (live ones are not throttled). */
  backlogPerS: number;
  /** Most messages waiting for their PUBACK at once (also bounded by the broker's Receive Maximum). */
  inflight: number;
  log: Logger;
  now: () => number;
  /** Sent on connect and every `statusEveryMs` while connected, straight (not queued: only the latest matters). */
  hubStatus: () => { topic: string; payload: string };
  statusEveryMs: number;
  /** Retained, sent on connect. */
  inventory: () => { topic: string; payload: string };
  onSent?: (m: QueuedMessage) => void;
}

export type LinkState = 'connected' | 'disconnected';

/**
 * One village's bridge: its queue drained over its own connection (its own Last Will on its `$hub/status`).
 * Messages queued while connected go at once ("live"); what was waiting when the link came back (the
 * backlog) goes oldest first at `backlogPerS`, beside them. A message leaves the queue when the upstream
 * broker acknowledges it (PUBACK); a connection lost first sends it again on the next (at least once).
 */
export class VillageBridge {
  private readonly link: UpstreamLink;
  private client: MqttClient | null = null;
  private gen = 0;
  private cap = 1;
  private readonly live: number[] = [];
  private backlog: number[] = [];
  private backlogAt = 0;
  private readonly inflight = new Set<number>();
  /** For each retained topic, the newest message queued for it: older ones go without the retain flag. */
  private readonly newest = new Map<string, number>();
  private tokens = 0;
  private refilledAt = 0;
  private pumpTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  state: LinkState = 'disconnected';
  since: number;
  protocol: 4 | 5 | null = null;
  lastError: string | null = null;
  sent = 0;

  constructor(private readonly opts: BridgeOptions) {
    this.since = opts.now();
    this.link = new UpstreamLink({
      ...opts.link,
      log: opts.log,
      onUp: (c, info) => this.up(c, info),
      onDown: (err) => this.down(err),
    });
  }

  start(): void {
    for (const m of this.opts.queue.messages()) if (m.retain) this.newest.set(m.topic, m.seq);
    this.link.start();
  }

  async stop(): Promise<void> {
    this.clearTimers();
    const offline = { topic: this.opts.hubStatus().topic, payload: JSON.stringify({ state: 'offline', ts: this.opts.now() }) };
    await this.link.stop(offline);
    this.client = null;
  }

  /** Queues a message; sends it now when the link is up. */
  enqueue(m: Omit<QueuedMessage, 'seq' | 'at'>): void {
    const rec = this.opts.queue.append(m);
    if (m.retain) this.newest.set(m.topic, rec.seq);
    if (this.client) {
      this.live.push(rec.seq);
      this.pump();
    }
  }

  private up(c: MqttClient, info: { protocol: 4 | 5; receiveMaximum: number }): void {
    this.client = c;
    this.gen++;
    this.state = 'connected';
    this.since = this.opts.now();
    this.protocol = info.protocol;
    this.lastError = null;
    this.cap = Math.max(1, Math.min(this.opts.inflight, info.receiveMaximum));
    this.inflight.clear();
    this.live.length = 0;
    this.backlog = [...this.opts.queue.messages()].map((m) => m.seq);
    this.backlogAt = 0;
    this.tokens = 0;
    this.refilledAt = this.opts.now();
    this.sendDirect(this.opts.hubStatus());
    this.sendDirect(this.opts.inventory());
    this.statusTimer = setInterval(() => this.sendDirect(this.opts.hubStatus()), this.opts.statusEveryMs);
    this.pump();
  }

  private down(err: string | null): void {
    this.client = null;
    this.gen++;
    this.clearTimers();
    if (this.state === 'connected') this.since = this.opts.now();
    this.state = 'disconnected';
    if (err) this.lastError = err;
    this.inflight.clear();
    this.live.length = 0;
    this.backlog = [];
    this.backlogAt = 0;
  }

  private clearTimers(): void {
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
  }

  private sendDirect(m: { topic: string; payload: string }): void {
    this.client?.publish(m.topic, m.payload, { qos: 1, retain: true }, () => undefined);
  }

  /** Sends live messages while the window allows, then backlog ones as the rate allows. */
  private pump(): void {
    const { queue } = this.opts;
    while (this.client && this.inflight.size < this.cap) {
      const liveSeq = this.live.shift();
      if (liveSeq !== undefined) {
        const m = queue.get(liveSeq);
        if (m && !this.inflight.has(liveSeq)) this.send(m);
        continue;
      }
      if (this.backlogAt >= this.backlog.length) return;
      if (!this.takeToken()) return this.wakeForToken();
      const seq = this.backlog[this.backlogAt++] as number;
      const m = queue.get(seq);
      if (m && !this.inflight.has(seq)) this.send(m);
      else this.tokens += 1;
    }
  }

  private takeToken(): boolean {
    const now = this.opts.now();
    const rate = this.opts.backlogPerS;
    // A tenth of a second's worth may go at once: smooth, yet not one timer per message.
    const burst = Math.max(1, rate / 10);
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private wakeForToken(): void {
    if (this.pumpTimer) return;
    const ms = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.opts.backlogPerS));
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = null;
      this.pump();
    }, ms);
  }

  private send(m: QueuedMessage): void {
    const c = this.client;
    if (!c) return;
    const gen = this.gen;
    this.inflight.add(m.seq);
    // An older value of a retained topic is history, not the current value: the newest stays retained upstream.
    const retain = m.retain && (this.newest.get(m.topic) ?? m.seq) <= m.seq;
    c.publish(m.topic, m.payload, { qos: 1, retain }, (err, packet) => {
      if (gen !== this.gen) return;
      this.inflight.delete(m.seq);
      const code = (err as (Error & { code?: unknown }) | undefined)?.code ?? (packet as { reasonCode?: number } | undefined)?.reasonCode;
      if (err && typeof code !== 'number') return; // the connection closed: sent again on the next one
      if (typeof code === 'number' && code >= 0x80) {
        // Refused (e.g. not authorised): kept, and tried again on a new connection; health shows why.
        this.lastError = `upstream refused ${m.topic}: reason code 0x${code.toString(16)}${err ? ` (${err.message})` : ''}`;
        this.opts.log.warn({ topic: m.topic, err: this.lastError }, 'uplink: the upstream broker refused a message; reconnecting');
        const why = this.lastError;
        // Not from inside mqtt.js's callback: ending the client there re-enters its own loop.
        setImmediate(() => {
          if (gen === this.gen) this.link.restart(why);
        });
        return;
      }
      this.opts.queue.done(m.seq);
      this.sent++;
      this.opts.onSent?.(m);
      this.pump();
    });
  }
}
