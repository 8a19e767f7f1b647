import type { Aedes, AedesOptions, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { HubContext } from '../context.js';
import type { MqttAccounts, MqttIdentity } from './accounts.js';
import { TopicAcl, type Subject } from './acl.js';
import type { GuessLimiter } from './guessing.js';
import { PublishRate, type RateLimit } from './publish-rate.js';
import type { RefusalReason, Refused, Refusals } from './refusals.js';
import type { Topics } from './topics.js';

/**
 * Where a refused publish goes instead (MQTT 3.1.1 has no negative PUBACK, so the client is answered as
 * usual and stays connected): a `$` topic, which no filter starting with a wildcard matches (MQTT-4.7.2-1),
 * under `$SYS/`, which aedes leaves out of the offline queues of such filters; the forward hook drops it
 * for every subscriber whatever the filter (`$SYS/#` of a reader included). It is never retained.
 */
export const REFUSED_TOPIC = '$SYS/langso/refused';
const EMPTY = Buffer.alloc(0);

/** The broker's check of a client's publish (ingest's parser): false refuses it; the check counts why. */
export type PublishCheck = (packet: PublishPacket, client: Client | null) => boolean;
/** What a message accepted just now must wait for before its PUBACK; null when nothing is pending. */
export type AckBarrier = () => Promise<void> | null;

export interface BrokerAuthOptions {
  allowAnonymous: boolean;
  rateLimit: RateLimit;
}

type Hooks = Required<Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>;
type Verdict = { ok: true } | { ok: false; error: AuthenticateError };

/** CONNACK return codes (MQTT-3.2.2.3). */
const CONNACK = { unavailable: 3, badCredentials: 4, notAuthorized: 5, identifierRejected: 2 } as const;

function authError(returnCode: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

/** Makes a refused publish harmless: see REFUSED_TOPIC. */
function neutralise(packet: PublishPacket): void {
  packet.topic = REFUSED_TOPIC;
  packet.retain = false;
  packet.payload = EMPTY;
}

/**
 * The broker's hooks (DESIGN.md §2 broker/auth.ts): who may connect (accounts, anonymous only when
 * `broker.allowAnonymous`), which client ids they may use, what they may publish and subscribe to (the
 * ACL), how fast they may publish, and whether what they publish is a valid message (ingest's check) —
 * all before aedes retains or forwards anything. Every refusal is counted (`broker.refused.<why>`) and
 * logged once a minute per client, naming the device and the fix.
 */
export class BrokerAuth {
  private readonly acl: TopicAcl;
  private readonly subjects = new WeakMap<Client, Subject>();
  private readonly connects = new WeakMap<Client, { address: string; willTopic: string | null }>();
  private readonly rates = new Map<Client, PublishRate>();
  /** Client ids the hub's own clients used this run: nobody else takes them either. */
  private readonly internalIds = new Map<string, string>();
  private check: PublishCheck | null = null;
  private readonly barriers: AckBarrier[] = [];
  private aedes: Aedes | null = null;

  constructor(
    private readonly ctx: HubContext,
    private readonly accounts: MqttAccounts,
    topics: Topics,
    private readonly refusals: Refusals,
    private readonly guesses: GuessLimiter,
    private readonly opts: BrokerAuthOptions,
  ) {
    this.acl = new TopicAcl(topics, (village, device) => this.configured(village, device));
  }

  hooks(): Hooks {
    return {
      preConnect: (client, packet, done) => {
        this.connects.set(client, { address: addressOf(client), willTopic: packet.will?.topic ?? null });
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        this.login(client, username, password?.toString('utf8') ?? '').then(
          (v) => (v.ok ? done(null, true) : done(v.error, false)),
          (err: unknown) => {
            // The state database failing (a full disk) must not let anyone in, nor end the hub.
            this.ctx.faults.report('broker.auth', err);
            done(authError(CONNACK.unavailable, 'server unavailable'), false);
          },
        );
      },
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => done(null, this.authorizeSubscribe(client, sub)),
      authorizeForward: (_client, packet) => (packet.topic === REFUSED_TOPIC ? null : packet),
    };
  }

  /** The broker, to see which clients are connected now. */
  attach(aedes: Aedes): void {
    this.aedes = aedes;
  }

  /** Something else a device's message must be safe in before it is acknowledged (the uplink queue). */
  addAckBarrier(barrier: AckBarrier): void {
    this.barriers.push(barrier);
  }

  setPublishCheck(check: PublishCheck | null): void {
    this.check = check;
  }

  /** A client has gone: its held-back messages are dropped with it. */
  forget(client: Client): void {
    this.rates.get(client)?.close();
    this.rates.delete(client);
  }

  stop(): void {
    for (const r of this.rates.values()) r.close();
    this.rates.clear();
  }

  private configured(village: string, device: string): boolean {
    return this.ctx.devices.get({ village, device })?.registered === true;
  }

  private async login(client: Client, username: string | undefined, password: string): Promise<Verdict> {
    const address = this.connects.get(client)?.address ?? addressOf(client);
    if (username === undefined || username === '') {
      if (this.opts.allowAnonymous) return this.admit(client, { role: 'anonymous', username: null });
      const device = this.deviceOf(client, undefined);
      return this.refuse(client, CONNACK.notAuthorized, 'no-credentials', username, () =>
        `MQTT connection refused: client "${client.id}" from ${address} gave no user name or password${device ? ` (device ${device})` : ''}. ` +
        `Issue the device's credentials with "langso device credentials ${device ?? '<village>/<device>'}" and set them on the device.`,
      );
    }
    let identity = await this.accounts.authenticateCached(username, password);
    if (!identity) {
      if (this.guesses.blocked(address)) {
        return this.refuse(client, CONNACK.notAuthorized, 'guessing', username, () =>
          `MQTT connection refused: ${address} is blocked for a while after repeated wrong passwords (latest user "${username}", client "${client.id}").`,
        );
      }
      const slow = this.guesses.run(() => this.accounts.authenticate(username, password));
      if (!slow) {
        return this.refuse(client, CONNACK.unavailable, 'busy', username, () => `MQTT connection refused: too many password checks waiting (user "${username}" from ${address}); the client will retry.`);
      }
      identity = await slow;
      if (!identity) {
        if (this.guesses.failed(address)) {
          this.ctx.counters.inc('broker.auth.blocked_addresses');
          this.ctx.log.warn({ module: 'broker', address }, `MQTT: ${address} blocked for a while after repeated wrong passwords (latest user "${username}"); its password checks are refused unchecked until then`);
        }
        const device = this.deviceOf(client, username);
        return this.refuse(client, CONNACK.badCredentials, 'bad-credentials', username, () =>
          `MQTT connection refused: wrong user name or password for "${username}" (client "${client.id}" from ${address}). ` +
          `Issue new credentials with "langso device credentials ${device ?? '<village>/<device>'}" and set them on the device.`,
        );
      }
    }
    if (identity.role === 'device' && !this.configured(identity.village ?? '', identity.device ?? '')) {
      return this.refuse(client, CONNACK.notAuthorized, 'not-configured', username, () =>
        `MQTT connection refused: account "${username}" is for a device that is not in the configuration; add it under devices: or stop the device.`,
      );
    }
    return this.admit(client, identity);
  }

  /** Credentials are right: the client id must be free for this account, then the connection is recorded. */
  private admit(client: Client, subject: MqttIdentity | Subject): Verdict {
    const owner = this.ownerOf(client.id);
    if (owner !== undefined && owner !== subject.username) {
      const who = subject.username === null ? 'an anonymous client' : `"${subject.username}"`;
      return this.refuse(client, CONNACK.identifierRejected, 'client-id-taken', subject.username ?? undefined, () =>
        `MQTT connection refused: client id "${client.id}" belongs to ${owner === null ? 'an anonymous client connected now' : `account "${owner}"`}; ${who} from ` +
        `${addressOf(client)} may not use it (it would push that client off). Give this client an id of its own.`,
      );
    }
    if (subject.role === 'internal') this.internalIds.set(client.id, subject.username);
    else if (subject.username !== null) {
      try {
        this.accounts.connected(subject.username, client.id, this.ctx.clock.now());
      } catch (err) {
        // A read-only or full state database: the device is who it says; only the record is missing.
        this.ctx.faults.report('state-db', err);
      }
    }
    this.subjects.set(client, subject);
    return { ok: true };
  }

  /** The account a client id belongs to; null for an anonymous client connected with it now; undefined when free. */
  private ownerOf(clientId: string): string | null | undefined {
    const internal = this.internalIds.get(clientId);
    if (internal !== undefined) return internal;
    const bound = this.accounts.boundTo(clientId);
    if (bound !== undefined) return bound;
    const clients = (this.aedes as unknown as { clients?: Record<string, Client | undefined> } | null)?.clients;
    const live = clients?.[clientId];
    return live ? this.subjects.get(live)?.username : undefined;
  }

  private refuse(client: Client, code: 2 | 3 | 4 | 5, why: RefusalReason, username: string | undefined, message: () => string): Verdict {
    const address = this.connects.get(client)?.address ?? addressOf(client);
    this.refusals.refuse(why, { key: username ?? client.id, address }, { clientId: client.id, ...(username ? { username } : {}) }, message);
    return { ok: false, error: authError(code, why) };
  }

  private who(client: Client, subject: Subject | undefined): Refused {
    return { key: subject?.username ?? client.id, address: this.connects.get(client)?.address ?? addressOf(client) };
  }

  /** The device a refused client probably is: its user name, its Last Will's topic, or a configured device its client id ends with. */
  private deviceOf(client: Client, username: string | undefined): string | undefined {
    if (username?.includes('/')) return username;
    const will = this.connects.get(client)?.willTopic;
    const parts = will?.split('/');
    if (parts?.length === 4 && this.configured(parts[1] ?? '', parts[2] ?? '')) return `${parts[1]}/${parts[2]}`;
    const d = this.ctx.config.devices.find((x) => client.id.endsWith(`${x.village}-${x.id}`));
    return d ? `${d.village}/${d.id}` : undefined;
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void): void {
    const subject = client ? this.subjects.get(client) : undefined;
    // No client: a Last Will aedes publishes for a client of another broker (not used here); judged as a message only.
    if (client && !subject) return done(new Error('not authenticated'));
    const judge = (): void => {
      if (client && subject) {
        const d = this.acl.publish(subject, packet.topic);
        if (!d.ok) {
          this.refusals.refuse('publish', this.who(client, subject), { clientId: client.id, topic: packet.topic }, () => `MQTT publish refused: ${d.reason} (client "${client.id}", topic "${packet.topic}")`);
          neutralise(packet);
          return done(null);
        }
      }
      const writer = this.ctx.writer;
      const from = writer.nextSeq;
      let ok = true;
      try {
        ok = this.check ? this.check(packet, client) : true;
      } catch (err) {
        this.ctx.faults.report('broker.check', err);
        ok = false;
      }
      if (!ok) neutralise(packet);
      if (!ok || packet.qos === 0) return done(null);
      this.untilSafe(packet, from, writer.nextSeq - 1, done);
    };
    // A Last Will (the client has gone) and the hub's own clients are not rate limited.
    if (!client || !subject || client.closed || subject.role === 'internal') return judge();
    this.rateOf(client, subject).take((go) => (go ? judge() : done(new Error('publishing too fast for too long'))));
  }

  /**
   * Acknowledged means stored (docs/durability.md): aedes writes the PUBACK (QoS 1) or PUBREC (QoS 2)
   * when this hook calls back, so it calls back once the message's points (`from..to`, put on the bus by
   * the check) are synced to the spool, and a retained message is in the broker's persistence. Points
   * that could not be kept fail the message: the client is disconnected unanswered and sends it again.
   */
  private untilSafe(packet: PublishPacket, from: number, to: number, done: (err?: Error | null) => void): void {
    const retained = packet.retain && this.aedes ? this.storeRetained(packet) : null;
    // Taken now: what the check just queued elsewhere (the uplink) is covered by these. Most messages
    // have none of these: no arrays are made for them (this runs for every message).
    let rest: Array<Promise<void>> | null = retained ? [retained] : null;
    for (const b of this.barriers) {
      const w = b();
      if (w !== null) (rest ??= []).push(w);
    }
    this.ctx.writer.whenStored(from, to, (err) => {
      if (err) {
        this.ctx.counters.inc('broker.unacknowledged');
        return done(err);
      }
      if (rest === null) return done(null);
      Promise.all(rest).then(() => done(null), () => done(null));
    });
  }

  private storeRetained(packet: PublishPacket): Promise<void> {
    const persistence = (this.aedes as unknown as { persistence?: { storeRetained?: (p: PublishPacket) => Promise<void> } } | null)?.persistence;
    if (!persistence?.storeRetained) return Promise.resolve();
    return persistence.storeRetained({ ...packet }).catch((err: unknown) => this.ctx.faults.report('broker.persistence', err));
  }

  private rateOf(client: Client, subject: Subject): PublishRate {
    let rate = this.rates.get(client);
    if (!rate) {
      const { disconnectAfterS, messagesPerS } = this.opts.rateLimit;
      rate = new PublishRate(this.opts.rateLimit, () =>
        this.refusals.refuse('flood', this.who(client, subject), { clientId: client.id }, () =>
          `MQTT client "${client.id}"${subject.username ? ` ("${subject.username}")` : ''} from ${addressOf(client)} disconnected: ` +
          `it published faster than broker.rateLimit (${messagesPerS} messages/s) for ${disconnectAfterS} s.`,
        ),
      );
      this.rates.set(client, rate);
    }
    return rate;
  }

  private authorizeSubscribe(client: Client, sub: Subscription): Subscription | null {
    const subject = this.subjects.get(client);
    const decision = subject ? this.acl.subscribe(subject, sub.topic) : { ok: false as const, reason: 'not authenticated' };
    if (decision.ok) return sub;
    // SUBACK 0x80 for this filter (MQTT-3.9.3); the client stays connected.
    this.refusals.refuse('subscribe', this.who(client, subject), { clientId: client.id, filter: sub.topic }, () => `MQTT subscription refused: ${decision.reason} (client "${client.id}", filter "${sub.topic}")`);
    return null;
  }
}

export function addressOf(client: Client): string {
  return (client.conn as { remoteAddress?: string }).remoteAddress ?? client.req?.socket?.remoteAddress ?? 'unknown';
}
