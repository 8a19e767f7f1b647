import type { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { writeToStream } from 'mqtt-packet';
import type { WebSocketServer } from 'ws';
import type { HubContext } from '../context.js';
import { closeServer, listen } from '../core/net.js';
import type { MqttAccounts } from './accounts.js';
import { addressOf, BrokerAuth, type AckBarrier, type PublishCheck } from './auth.js';
import { GuessLimiter } from './guessing.js';
import { openBrokerPersistence, type BrokerPersistence } from './persistence.js';
import { tcpServer, tlsServer, wsServer, type ListenerOptions } from './listeners.js';
import { Refusals } from './refusals.js';
import { Topics } from './topics.js';
import { deliverLateMessages } from './dedupe.js';

export type PublishListener = (packet: AedesPublishPacket, client: Client | null) => void;

/**
 * The embedded MQTT broker: aedes with a TCP listener, an optional WebSocket listener and an optional TLS
 * listener, each behind the packet guard; accounts, ACL, rate limit and message checks in its hooks
 * (auth.ts). Devices, agents and the hub's own pollers all connect here.
 */
export class MqttBroker {
  readonly topics: Topics;
  private aedes: Aedes | null = null;
  private auth: BrokerAuth | null = null;
  private tcp: Server | null = null;
  private http: HttpServer | null = null;
  private tls: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Set<Socket>();
  private messages = 0;
  private check: PublishCheck | null = null;
  private readonly barriers: AckBarrier[] = [];
  private persistence: BrokerPersistence | null = null;
  ports: { tcp: number; ws: number | null; tls: number | null } = { tcp: 0, ws: null, tls: null };

  constructor(
    private readonly ctx: HubContext,
    private readonly accounts: MqttAccounts,
  ) {
    this.topics = new Topics(ctx.config.broker.topicPrefix);
  }

  async start(): Promise<void> {
    const { config, counters, faults } = this.ctx;
    const log = this.ctx.log.child({ module: 'broker' });
    const refusals = new Refusals(counters, log);
    const auth = new BrokerAuth(this.ctx, this.accounts, this.topics, refusals, new GuessLimiter(), {
      allowAnonymous: config.broker.allowAnonymous,
      rateLimit: config.broker.rateLimit,
    });
    auth.setPublishCheck(this.check);
    for (const b of this.barriers) auth.addAckBarrier(b);
    this.auth = auth;
    // mqtt-packet (aedes' and mqtt.js' writer) otherwise fills a table of 65 536 two-byte buffers on its
    // first write, ~6 MiB of heap kept for good, to save one two-byte allocation per packet id: not a
    // trade for a village PC (docs/benchmarks.md, memory). A library setting, made before any write.
    writeToStream.cacheNumbers = false;
    const dir = path.join(path.resolve(config.dataDir), 'broker');
    try {
      this.persistence = await openBrokerPersistence(dir);
    } catch (err) {
      // Another hub on the same data folder, or a disk that cannot be written: the broker still runs,
      // keeping retained messages and sessions in memory until it stops.
      this.persistence = null;
      faults.report('broker.persistence', err);
      log.error({ err: (err as Error).message, dir }, 'broker state cannot be kept on disk; kept in memory only');
    }
    const aedes = await Aedes.createBroker({
      // The same id every run: queued messages and subscriptions on disk belong to it.
      id: 'langso-hub',
      ...(this.persistence ? { persistence: this.persistence } : {}),
      // Devices on flaky village links reconnect with the same id; allow long readable ids (MQTT 5 has no limit).
      maxClientsIdLength: 128,
      heartbeatInterval: 60_000,
      // A socket that says nothing (or never finishes its CONNECT) is closed after this.
      connectTimeout: config.broker.connectTimeoutS * 1000,
      ...auth.hooks(),
    });
    this.aedes = aedes;
    auth.attach(aedes);
    // aedes errors the whole broker when its queue or persistence fails; without a listener that ends the hub.
    // (aedes' typings omit the broker's own 'error' event: listen through the EventEmitter it is.)
    (aedes as EventEmitter).on('error', (err: Error) => faults.report('broker', err));
    aedes.on('publish', () => {
      this.messages++;
    });
    aedes.on('clientError', (client, err) => {
      auth.forget(client);
      counters.inc('broker.client_errors');
      log.debug({ clientId: client?.id, err: err.message }, 'mqtt client error');
    });
    aedes.on('connectionError', (client, err) => {
      auth.forget(client);
      counters.inc('broker.connection_errors');
      if (err.message === 'connect did not arrive in time') {
        const address = addressOf(client);
        refusals.refuse('connect-timeout', { key: address, address }, {}, () => `MQTT connection from ${address} closed: no CONNECT within broker.connectTimeoutS (${config.broker.connectTimeoutS} s)`);
      }
      log.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error');
    });
    aedes.on('client', (client) => log.debug({ clientId: client.id }, 'mqtt client connected'));
    aedes.on('clientDisconnect', (client) => {
      auth.forget(client);
      log.debug({ clientId: client.id }, 'mqtt client disconnected');
    });

    const listener: ListenerOptions = {
      maxPacketBytes: config.broker.maxPacketBytes,
      handshakeMs: config.broker.connectTimeoutS * 1000,
      handle: (stream, req) => {
        const client = aedes.handle(stream, req);
        deliverLateMessages(client);
        return client;
      },
      onRefuse: (why, detail, address) => refusals.refuse(why, { key: address, address }, {}, () => `MQTT connection from ${address} closed: ${detail}`),
      track: (socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      },
      onError: (source, err) => {
        counters.inc(`broker.${source}_errors`);
        log.debug({ err: err.message }, `mqtt ${source} error`);
      },
    };
    const tcp = (this.tcp = tcpServer(listener));
    this.ports.tcp = await listen(tcp, config.broker.port, config.broker.host, 'broker.port', 'LANGSO_MQTT_PORT', (err) => faults.report('listen.broker.port', err));
    if (config.broker.wsPort !== null) {
      const { http, wss } = wsServer(listener);
      this.http = http;
      this.wss = wss;
      this.ports.ws = await listen(http, config.broker.wsPort, config.broker.host, 'broker.wsPort', 'LANGSO_WS_PORT', (err) => faults.report('listen.broker.wsPort', err));
    }
    if (config.broker.tls) {
      const tls = (this.tls = tlsServer(listener, config.broker.tls));
      this.ports.tls = await listen(tls, config.broker.tls.port, config.broker.host, 'broker.tls.port', 'LANGSO_MQTTS_PORT', (err) => faults.report('listen.broker.tls.port', err));
    }
    if (config.broker.allowAnonymous) log.warn('broker.allowAnonymous is on: anyone on the network may publish and read device data');
    log.info({ tcp: this.ports.tcp, ws: this.ports.ws, ...(this.ports.tls !== null ? { tls: this.ports.tls } : {}) }, 'mqtt broker listening');
  }

  /** Something a device's message must also be safe in before its PUBACK (the uplink's queue on disk). */
  addAckBarrier(barrier: AckBarrier): void {
    this.barriers.push(barrier);
    this.auth?.addAckBarrier(barrier);
  }

  /** The check every client publish passes before it is retained or forwarded (ingest's parser); null: none. */
  setPublishCheck(check: PublishCheck | null): void {
    this.check = check;
    this.auth?.setPublishCheck(check);
  }

  /** Credentials for one of the hub's own clients (pollers, simulators), valid until the hub stops. */
  internalAccount(name: string): { username: string; password: string } {
    return this.accounts.internalAccount(name);
  }

  /** Subscribes to every message the broker routes (device publishes, Last Wills, the hub's own). */
  onPublish(fn: PublishListener): () => void {
    const aedes = this.requireAedes();
    aedes.on('publish', fn);
    return () => aedes.off('publish', fn);
  }

  /** Called with the filters of every subscription the broker grants (after the ACL), once it is in place. */
  onSubscribe(fn: (filters: string[], client: Client) => void): () => void {
    const aedes = this.requireAedes();
    // aedes lists refused filters too, with the SUBACK failure code 0x80 as their QoS (MQTT-3.9.3).
    const listener = (subs: Array<{ topic: string; qos: number }>, client: Client): void => {
      const granted = subs.filter((s) => s.qos !== 0x80).map((s) => s.topic);
      if (granted.length > 0) fn(granted, client);
    };
    aedes.on('subscribe', listener);
    return () => aedes.off('subscribe', listener);
  }

  publish(topic: string, payload: string | Buffer, opts: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    const aedes = this.requireAedes();
    return new Promise((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload, qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  stats(): { clients: number; messages: number } {
    return { clients: this.aedes?.connectedClients ?? 0, messages: this.messages };
  }

  async stop(): Promise<void> {
    this.wss?.close();
    // Close listeners first so nothing new connects, then drop the live sockets so close() can finish.
    const closing = [this.tcp, this.http, this.tls].filter((s): s is Server => s !== null).map(closeServer);
    for (const s of this.sockets) s.destroy();
    await Promise.all(closing);
    this.auth?.stop();
    const aedes = this.aedes;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await this.persistence?.destroy().catch((err: unknown) => this.ctx.faults.report('broker.persistence', err));
    this.persistence = null;
    this.aedes = null;
    this.auth = null;
    this.tcp = null;
    this.http = null;
    this.tls = null;
    this.wss = null;
  }

  private requireAedes(): Aedes {
    if (!this.aedes) throw new Error('broker not started');
    return this.aedes;
  }
}
