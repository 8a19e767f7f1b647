import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../core/log.js';

export interface LinkOptions {
  url: string;
  username?: string;
  password?: string;
  ca?: Buffer;
  clientId: string;
  keepaliveS: number;
  reconnectMs: number;
  /** The Last Will: retained, QoS 1 (the upstream broker publishes it when this connection dies). */
  will: { topic: string; payload: string };
  log: Logger;
  /** A connection is up: `receiveMaximum` is how many QoS 1 messages the broker takes unacknowledged. */
  onUp: (client: MqttClient, info: { protocol: 4 | 5; receiveMaximum: number }) => void;
  /** The connection is gone (its unacknowledged messages will not be acknowledged any more). */
  onDown: (error: string | null) => void;
}

/** Reads a password file's first line (the rest, and surrounding spaces, ignored). */
export function readSecretFile(path: string): string {
  return (readFileSync(path, 'utf8').split(/\r?\n/)[0] ?? '').trim();
}

/** Reads a file a setting names; the error says which setting and why (never what the file holds). */
export function readSetting<T>(setting: string, file: string, read: (f: string) => T): T {
  try {
    return read(file);
  } catch (err) {
    throw new Error(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** CONNACK codes meaning "I do not speak this protocol version": MQTT 5 0x84, MQTT 3.1.1 return code 1. */
const UNSUPPORTED_PROTOCOL = new Set([0x84, 1]);

/**
 * One MQTT connection to the upstream broker, made again after every loss (a new client each time, so
 * nothing of a dead connection is sent twice behind the queue's back). MQTT 5 first; a broker that
 * refuses it gets MQTT 3.1.1 from then on.
 */
export class UpstreamLink {
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private protocol: 4 | 5 = 5;
  private up = false;

  constructor(private readonly opts: LinkOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Ends the connection after `last` (e.g. a retained "offline") has been sent, or at once when down. */
  async stop(last?: { topic: string; payload: string }): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    if (!c) return;
    if (last && this.up) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2_000);
        c.publish(last.topic, last.payload, { qos: 1, retain: true }, () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.up = false;
    await new Promise<void>((resolve) => c.end(true, {}, () => resolve()));
  }

  /** Drops the connection now and tries again after the usual wait (the broker refused a message). */
  restart(reason: string): void {
    const c = this.client;
    if (!c) return;
    this.down(c, reason);
  }

  private connect(): void {
    if (this.stopped) return;
    const o = this.opts;
    const options: IClientOptions = {
      protocolVersion: this.protocol,
      clientId: o.clientId,
      clean: true,
      keepalive: o.keepaliveS,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
    };
    const c = mqtt.connect(o.url, options);
    this.client = c;
    c.on('connect', (connack) => {
      if (this.client !== c) return;
      this.up = true;
      const receiveMaximum = connack.properties?.receiveMaximum ?? 65_535;
      o.log.info({ protocol: this.protocol === 5 ? 'MQTT 5' : 'MQTT 3.1.1', clientId: o.clientId }, 'uplink: connected to the upstream broker');
      o.onUp(c, { protocol: this.protocol, receiveMaximum });
    });
    c.on('error', (err: Error & { code?: number | string }) => {
      if (this.client !== c) return;
      if (!this.up && this.protocol === 5 && typeof err.code === 'number' && UNSUPPORTED_PROTOCOL.has(err.code)) {
        o.log.info('uplink: the upstream broker does not speak MQTT 5; using MQTT 3.1.1');
        this.protocol = 4;
        this.drop(c);
        this.connect();
        return;
      }
      this.down(c, err.message);
    });
    c.on('close', () => {
      if (this.client === c) this.down(c, null);
    });
  }

  private drop(c: MqttClient): void {
    c.removeAllListeners();
    c.on('error', () => undefined);
    // Not from inside one of the client's own events or callbacks: it is still walking its queues.
    setImmediate(() => c.end(true));
  }

  private down(c: MqttClient, error: string | null): void {
    if (this.client !== c) return;
    this.client = null;
    const was = this.up;
    this.up = false;
    this.drop(c);
    if (was || error) this.opts.log.warn({ err: error ?? 'connection closed', clientId: this.opts.clientId }, 'uplink: upstream link down; retrying');
    this.opts.onDown(error);
    if (!this.stopped) this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, this.opts.reconnectMs);
  }
}
