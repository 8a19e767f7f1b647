import { createServer, type Server } from 'node:http';
import type { z } from 'zod';
import type { internetTargetSchema } from '../../hub/config/alerts.js';
import { systemClock, type Clock } from '../../hub/core/clock.js';
import type { SimConfig } from '../../hub/config/schema.js';
import type { SimRuntime } from './device.js';
import { isLoopback } from './protocol-fleet.js';
import { rng } from './random.js';

type InternetTarget = z.infer<typeof internetTargetSchema>;

export interface InternetStandInOptions extends Omit<SimRuntime, 'sim' | 'failureDurationS'> {
  sim: Pick<SimConfig, 'internetOutageEveryS' | 'internetOutageS'>;
  /** `internet.targets` of the configuration; the loopback ones (tcp or http) get a stand-in. */
  targets: readonly InternetTarget[];
}

interface Endpoint {
  host: string;
  port: number;
  server: Server | null;
}

/** setTimeout fires at once above 2^31-1 ms. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * The demo's Internet: a small HTTP server on loopback for every loopback `internet.targets` entry
 * (an http URL or a tcp host:port), answering `204 No Content` like a connectivity check. Now and then
 * the demo's fault schedule takes it down for a few minutes (the listener closes: connection refused,
 * as when the village's line is cut), so the link indicator and its alert can be seen in the demo.
 * Outages come as a Poisson process with mean `sim.internetOutageEveryS`; each lasts between half and
 * one and a half times `sim.internetOutageS`.
 */
export class InternetStandIn {
  private readonly endpoints: Endpoint[] = [];
  private readonly clock: Clock;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private down = false;
  private outages = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: InternetStandInOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
  }

  /** Listens where each loopback target points; one that cannot listen is logged and skipped. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const seen = new Set<string>();
    for (const t of this.opts.targets) {
      const where = loopbackEndpoint(t);
      if (!where || seen.has(`${where.host}:${where.port}`)) continue;
      seen.add(`${where.host}:${where.port}`);
      this.endpoints.push({ ...where, server: null });
    }
    await Promise.all(this.endpoints.map((e) => this.open(e)));
    if (this.endpoints.length === 0) return;
    this.opts.log.info({ endpoints: this.endpoints.map((e) => `${e.host}:${e.port}`) }, 'internet stand-in started');
    this.scheduleOutage();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.chain;
    await Promise.all(this.endpoints.map((e) => this.close(e)));
    this.endpoints.length = 0;
  }

  /** True while the stand-in answers (no outage under way). */
  get up(): boolean {
    return !this.down;
  }

  stats(): { endpoints: number; up: boolean; outages: number } {
    return { endpoints: this.endpoints.length, up: !this.down, outages: this.outages };
  }

  /** Takes the link down now for `durationS` (drawn from the schedule when absent); false if it is already down. */
  outageNow(durationS?: number): Promise<boolean> {
    if (this.down || !this.running || this.endpoints.length === 0) return Promise.resolve(false);
    this.down = true;
    this.outages++;
    const base = this.opts.sim.internetOutageS;
    const seconds = durationS ?? rng(this.random).uniform(base / 2, base * 1.5);
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.restoreNow();
    }, Math.min(MAX_DELAY_MS, seconds * 1000));
    this.opts.log.info({ seconds: Math.round(seconds) }, 'simulated internet outage');
    return this.queue(async () => {
      await Promise.all(this.endpoints.map((e) => this.close(e)));
    }).then(() => true);
  }

  /** Ends an outage now; false if the link was up. */
  restoreNow(): Promise<boolean> {
    if (!this.down || !this.running) return Promise.resolve(false);
    this.down = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.opts.log.info('simulated internet back');
    this.scheduleOutage();
    return this.queue(async () => {
      await Promise.all(this.endpoints.map((e) => this.open(e)));
    }).then(() => true);
  }

  /** Listener changes happen one after the other (an outage shorter than a close must not overtake it). */
  private queue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((err: unknown) => {
      this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'internet stand-in: cannot change state');
    });
    return this.chain;
  }

  private scheduleOutage(): void {
    if (!this.running || this.opts.randomFailures === false) return;
    const delay = -Math.log(1 - this.random()) * this.opts.sim.internetOutageEveryS * 1000;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.outageNow();
    }, Math.min(MAX_DELAY_MS, Math.max(1, delay)));
  }

  private async open(e: Endpoint): Promise<void> {
    if (e.server) return;
    const server = createServer((_req, res) => {
      res.writeHead(204, { 'cache-control': 'no-store' }).end();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(e.port, e.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.opts.log.warn({ endpoint: `${e.host}:${e.port}`, err: (err as Error).message }, 'internet stand-in cannot listen; the link will read as down');
      return;
    }
    // A connection reset later is the client's business, not the demo's.
    server.on('error', (err) => this.opts.log.debug({ err: err.message }, 'internet stand-in error'));
    e.server = server;
  }

  private async close(e: Endpoint): Promise<void> {
    const server = e.server;
    if (!server) return;
    e.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Where a target points when it is on this machine: tcp host:port, or an http URL's host and port. */
function loopbackEndpoint(t: InternetTarget): { host: string; port: number } | null {
  if (t.type === 'tcp') return isLoopback(t.host) ? { host: bare(t.host), port: t.port } : null;
  if (t.type === 'http') {
    const u = new URL(t.url);
    if (u.protocol !== 'http:' || !isLoopback(u.hostname)) return null;
    return { host: bare(u.hostname), port: u.port ? Number(u.port) : 80 };
  }
  return null;
}

function bare(host: string): string {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' ? '127.0.0.1' : h;
}
