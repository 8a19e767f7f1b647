import path from 'node:path';
import type { Request, Response, Router } from 'express';
import { rules, secureRouter } from '../web/access.js';
import type { HubContext } from '../context.js';
import type { CentralConfig } from '../config/central.js';
import type { AlertEngine } from '../alerts/engine.js';
import type { Notifications } from '../alerts/outbox.js';
import { UpstreamTopics } from './contract.js';
import { OwnerElection } from './election.js';
import { Journal } from './journal.js';
import { CentralReceiver } from './receiver.js';
import { UpstreamLink } from './upstream.js';
import { VillageWatch } from './villages.js';

/** How long a reading of a device not yet in its village's inventory waits for it (once per device). */
const UNKNOWN_WAIT_MS = 3_000;

const STATS_EVERY_MS = 2_000;

/**
 * Central mode (`mode: central`): many village hubs through an upstream MQTT 5 broker. Built by the
 * composition root instead of the local broker, ingest, pollers and simulators; the web tier, the state
 * database, the writer and the alert engine are the village hub's own.
 */
export class CentralMode {
  readonly topics: UpstreamTopics;
  readonly villages: VillageWatch;
  readonly receiver: CentralReceiver;
  readonly election: OwnerElection;
  private readonly journal: Journal;
  /** Devices waited for once and still not in an inventory: not waited for again. */
  private readonly gaveUp = new Set<string>();
  private readonly link: UpstreamLink;
  private readonly seenPeers = new Set<string>();
  private notifying = false;
  private statsTimer: NodeJS.Timeout | null = null;
  private lastLogged = -1;

  constructor(
    private readonly ctx: HubContext,
    private readonly cfg: CentralConfig,
    alerts: AlertEngine,
    private readonly notifications: Notifications,
    dataDir: string,
  ) {
    const log = ctx.log.child({ module: 'central' });
    this.topics = new UpstreamTopics(cfg.topicPrefix);
    this.journal = new Journal(path.join(dataDir, 'central-journal'), ctx.writer, log);
    this.villages = new VillageWatch(ctx, cfg, alerts);
    this.receiver = new CentralReceiver(ctx, cfg, this.journal, this.villages);
    this.election = new OwnerElection(cfg.instanceId, (owner) => this.onOwner(owner));
    this.link = new UpstreamLink(cfg, this.topics, log, { message: (t, p) => this.onMessage(t, p), ready: (up) => this.election.setConnected(up), before: (t) => this.beforeBulk(t) }, () =>
      JSON.stringify({ id: cfg.instanceId, ts: ctx.clock.now(), version: ctx.version }),
    );
  }

  start(): void {
    this.journal.start();
    this.link.start();
    // What this instance stored, now and then: the operator sees each instance's share of the load.
    this.statsTimer = setInterval(() => this.logStats(), STATS_EVERY_MS);
    this.statsTimer.unref();
  }

  private logStats(): void {
    const { counters, log } = this.ctx;
    const telemetry = counters.get('central.telemetry');
    const events = counters.get('central.event');
    if (telemetry + events === this.lastLogged) return;
    this.lastLogged = telemetry + events;
    log.info({ instance: this.cfg.instanceId, telemetry, events, adopted: this.link.adoptedPeers() }, 'central: stored from upstream');
  }

  async stop(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    await this.link.stop();
    this.election.setConnected(false);
    await this.journal.stop();
  }

  /**
   * A village hub sends its inventory on connect, then its readings; they reach this instance over two
   * connections (state and bulk), so a new device's first readings can come before its kind is known and
   * would be stored under the generic kind — a second series for the same device. Such a reading waits
   * (the bulk connection pauses) until the inventory names the device, at most UNKNOWN_WAIT_MS once per
   * device; a device still unknown then (not in its village's inventory) is stored as generic, counted.
   */
  private beforeBulk(topic: string): Promise<void> | null {
    const t = this.topics.parse(topic);
    if (t === null || (t.kind !== 'telemetry' && t.kind !== 'event')) return null;
    const ref = { village: t.village, device: t.device };
    const key = `${t.village}/${t.device}`;
    if (this.ctx.devices.get(ref) || this.gaveUp.has(key)) return null;
    return new Promise((resolve) => {
      const since = Date.now();
      const check = (): void => {
        if (this.ctx.devices.get(ref)) return resolve();
        if (Date.now() - since >= UNKNOWN_WAIT_MS) {
          this.gaveUp.add(key);
          this.ctx.counters.inc('central.unknown-device-waits');
          return resolve();
        }
        setTimeout(check, 50);
      };
      check();
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = this.topics.parse(topic);
    if (t === null) {
      this.ctx.counters.inc('central.refused.topic');
      return;
    }
    if (t.kind === 'instance') {
      if (t.id === this.cfg.instanceId) return;
      if (payload.length > 0) this.seenPeers.add(t.id);
      this.election.onPresence(t.id, payload);
      this.adoptions();
      return;
    }
    this.receiver.handle(t, payload);
  }

  /** The owner carries the sessions of peers it saw alive that are gone now; a peer back gets its own. */
  private adoptions(): void {
    if (!this.cfg.adoptPeers) return;
    const live = new Set(this.election.liveIds());
    for (const peer of this.seenPeers) {
      if (!live.has(peer) && this.election.isOwner()) this.link.adopt(peer);
      else this.link.release(peer);
    }
  }

  /** Only the owner notifies: its outbox runs, the others' stays stopped (their alerts are recorded all the same). */
  private onOwner(owner: boolean): void {
    this.ctx.log.info({ instance: this.cfg.instanceId, owner }, owner ? 'central: this instance sends the notifications' : 'central: another instance sends the notifications');
    if (owner && !this.notifying) {
      this.notifying = true;
      this.notifications.start();
    } else if (!owner && this.notifying) {
      this.notifying = false;
      this.notifications.stop().catch((err: unknown) => this.ctx.faults.report('notifications', err));
    }
    this.adoptions();
  }

  stopNotifications(): Promise<void> | void {
    if (!this.notifying) return;
    this.notifying = false;
    return this.notifications.stop();
  }

  view(): CentralView {
    return {
      instance: this.cfg.instanceId,
      owner: this.election.isOwner(),
      instances: this.election.liveIds(),
      adopted: this.link.adoptedPeers(),
      connected: this.link.connected(),
      hubs: this.villages.list(),
      late: this.receiver.late.slice(-50),
    };
  }
}

export interface CentralView {
  instance: string;
  owner: boolean;
  instances: string[];
  adopted: string[];
  connected: boolean;
  hubs: ReturnType<VillageWatch['list']>;
  late: CentralReceiver['late'];
}

/** GET /api/central: this instance, the election, every village hub's link and backlog, late history. */
export function centralRouter(central: CentralMode): Router {
  return secureRouter().get('/', rules.login, (_req: Request, res: Response) => {
    res.json(central.view());
  }).router;
}
