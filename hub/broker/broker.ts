import type { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { HubContext } from '../context.js';
import { closeServer, listen } from '../core/net.js';
import { Topics } from './topics.js';

export type PublishListener = (packet: AedesPublishPacket, client: Client | null) => void;

/**
 * The embedded MQTT broker: aedes with a TCP listener and an optional WebSocket listener.
 * Devices, agents and the hub's own pollers all connect here.
 */
export class MqttBroker {
  readonly topics: Topics;
  private aedes: Aedes | null = null;
  private tcp: Server | null = null;
  private http: HttpServer | null = null;
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Set<Socket>();
  private messages = 0;
  ports: { tcp: number; ws: number | null } = { tcp: 0, ws: null };

  constructor(private readonly ctx: HubContext) {
    this.topics = new Topics(ctx.config.broker.topicPrefix);
  }

  async start(): Promise<void> {
    const { config, counters, faults } = this.ctx;
    const log = this.ctx.log.child({ module: 'broker' });
    const aedes = await Aedes.createBroker({
      id: `langso-${process.pid}`,
      // Devices on flaky village links reconnect with the same id; allow long readable ids (MQTT 5 has no limit).
      maxClientsIdLength: 128,
      heartbeatInterval: 60_000,
      connectTimeout: 30_000,
    });
    this.aedes = aedes;
    // aedes errors the whole broker when its queue or persistence fails; without a listener that ends the hub.
    // (aedes' typings omit the broker's own 'error' event: listen through the EventEmitter it is.)
    (aedes as EventEmitter).on('error', (err: Error) => faults.report('broker', err));
    aedes.on('publish', () => {
      this.messages++;
    });
    aedes.on('clientError', (client, err) => {
      counters.inc('broker.client_errors');
      log.debug({ clientId: client?.id, err: err.message }, 'mqtt client error');
    });
    aedes.on('connectionError', (client, err) => {
      counters.inc('broker.connection_errors');
      log.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error');
    });
    aedes.on('client', (client) => log.debug({ clientId: client.id }, 'mqtt client connected'));
    aedes.on('clientDisconnect', (client) => log.debug({ clientId: client.id }, 'mqtt client disconnected'));

    const tcp = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      aedes.handle(socket);
    });
    this.tcp = tcp;
    this.ports.tcp = await listen(tcp, config.broker.port, config.broker.host, 'broker.port', 'LANGSO_MQTT_PORT', (err) =>
      faults.report('listen.broker.port', err),
    );

    if (config.broker.wsPort !== null) {
      const http = createHttpServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect with a WebSocket client\n');
      });
      this.http = http;
      http.on('connection', (socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      });
      this.ports.ws = await listen(http, config.broker.wsPort, config.broker.host, 'broker.wsPort', 'LANGSO_WS_PORT', (err) =>
        faults.report('listen.broker.wsPort', err),
      );
      const wss = new WebSocketServer({ server: http });
      this.wss = wss;
      // ws re-emits its HTTP server's errors; they are counted by the server's own handler above.
      wss.on('error', (err) => log.debug({ err: err.message }, 'mqtt websocket server error'));
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', (err) => log.debug({ err: err.message }, 'mqtt websocket stream error'));
        aedes.handle(stream, req);
      });
    }
    log.info({ tcp: this.ports.tcp, ws: this.ports.ws }, 'mqtt broker listening');
  }

  /** Subscribes to every message the broker routes (device publishes, Last Wills, the hub's own). */
  onPublish(fn: PublishListener): () => void {
    const aedes = this.requireAedes();
    aedes.on('publish', fn);
    return () => aedes.off('publish', fn);
  }

  publish(topic: string, payload: string | Buffer, opts: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    const aedes = this.requireAedes();
    return new Promise((resolve, reject) => {
      aedes.publish(
        { cmd: 'publish', topic, payload, qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  stats(): { clients: number; messages: number } {
    return { clients: this.aedes?.connectedClients ?? 0, messages: this.messages };
  }

  async stop(): Promise<void> {
    this.wss?.close();
    // Close listeners first so nothing new connects, then drop the live sockets so close() can finish.
    const closing = [this.tcp, this.http].filter((s): s is Server => s !== null).map(closeServer);
    for (const s of this.sockets) s.destroy();
    await Promise.all(closing);
    const aedes = this.aedes;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.aedes = null;
    this.tcp = null;
    this.http = null;
    this.wss = null;
  }

  private requireAedes(): Aedes {
    if (!this.aedes) throw new Error('broker not started');
    return this.aedes;
  }
}
