/**
 * A load generator in a process of its own (the hub under test keeps a core to itself): mqtt.js clients
 * driven by the parent over IPC (child_process.fork). Credentials come over IPC, never argv.
 *
 *   { cmd: 'burst', ... }   each client publishes `messages` QoS 1 messages, `window` unacknowledged at most
 *   { cmd: 'steady', ... }  each client publishes one QoS 1 message every `everyMs`, its send time inside
 *   { cmd: 'flood', ... }   each client publishes QoS 0 at `perS` messages/s, reconnecting when cut off
 *   { cmd: 'devices', ... } each client is a device as the topic contract has it: Last Will on its status
 *                           topic, retained `online` at every (re)connect, telemetry every `everyMs`
 *   { cmd: 'consume', ... } one client subscribes QoS 1 to `topics` and reports `done` once `expect`
 *                           messages have arrived (the consumer of a fan-in: what the hub is to its devices)
 *   { cmd: 'stop' }         ends every client and reports what was sent
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface WorkerClient {
  clientId: string;
  username?: string;
  password?: string;
  topic: string;
}

export type WorkerCommand =
  | { cmd: 'burst'; url: string; clients: WorkerClient[]; messages: number; window: number; baseTs: number }
  | { cmd: 'steady'; url: string; clients: WorkerClient[]; everyMs: number }
  | { cmd: 'flood'; url: string; clients: WorkerClient[]; perS: number }
  | { cmd: 'devices'; url: string; clients: WorkerClient[]; everyMs: number; reconnectMs: number }
  | { cmd: 'consume'; url: string; clientId: string; topics: string[]; expect: number }
  | { cmd: 'stop' };

export type WorkerReport = { kind: 'ready' } | { kind: 'done'; sent: number; disconnects: number; seconds: number } | { kind: 'error'; message: string };

const send = (r: WorkerReport): void => {
  process.send?.(r);
};

const clients: MqttClient[] = [];
const timers: NodeJS.Timeout[] = [];
let sent = 0;
let disconnects = 0;
const started = performance.now();

async function connectAll(url: string, list: WorkerClient[], reconnect: boolean): Promise<MqttClient[]> {
  return Promise.all(
    list.map(async (c) => {
      const client = await mqtt.connectAsync(url, {
        clientId: c.clientId,
        ...(c.username ? { username: c.username, password: c.password } : {}),
        reconnectPeriod: reconnect ? 500 : 0,
        clean: true,
      });
      client.on('close', () => disconnects++);
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    }),
  );
}

async function burst(c: Extract<WorkerCommand, { cmd: 'burst' }>): Promise<void> {
  const connected = await connectAll(c.url, c.clients, false);
  send({ kind: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  await Promise.all(
    connected.map(
      (client, ci) =>
        new Promise<void>((resolve, reject) => {
          let next = 0;
          let acked = 0;
          const topic = (c.clients[ci] as WorkerClient).topic;
          const pump = (): void => {
            while (next < c.messages && next - acked < c.window) {
              const i = next++;
              const payload = JSON.stringify({ ts: c.baseTs + i, clients: i % 50, rxBps: 1000 + i, txBps: 2000 + i });
              client.publish(topic, payload, { qos: 1 }, (err) => {
                if (err) return reject(err);
                sent++;
                if (++acked === c.messages) resolve();
                else pump();
              });
            }
          };
          pump();
        }),
    ),
  );
  send({ kind: 'done', sent, disconnects, seconds: (performance.now() - started) / 1000 });
}

async function steady(c: Extract<WorkerCommand, { cmd: 'steady' }>): Promise<void> {
  const connected = await connectAll(c.url, c.clients, true);
  connected.forEach((client, ci) => {
    const topic = (c.clients[ci] as WorkerClient).topic;
    // Spread the devices over the period, as real ones are.
    const start = setTimeout(() => {
      timers.push(
        setInterval(() => {
          if (!client.connected) return;
          // Wall-clock send time with sub-millisecond precision, comparable with the hub's process.
          client.publish(topic, JSON.stringify({ sentAt: performance.timeOrigin + performance.now(), cpuLoad: 0.2 }), { qos: 1 });
          sent++;
        }, c.everyMs),
      );
    }, (ci * c.everyMs) / c.clients.length);
    timers.push(start);
  });
  send({ kind: 'ready' });
}

async function flood(c: Extract<WorkerCommand, { cmd: 'flood' }>): Promise<void> {
  const connected = await connectAll(c.url, c.clients, true);
  const TICK_MS = 10;
  connected.forEach((client, ci) => {
    const topic = (c.clients[ci] as WorkerClient).topic;
    let pending = 0;
    timers.push(
      setInterval(() => {
        // As fast as asked while the socket takes it; a throttled flooder's writes back up here, bounded.
        for (let k = 0; k < (c.perS * TICK_MS) / 1000 && client.connected && pending < 5_000; k++) {
          pending++;
          client.publish(topic, `{"cpuLoad":${sent % 100}}`, { qos: 0 }, () => pending--);
          sent++;
        }
      }, TICK_MS),
    );
  });
  send({ kind: 'ready' });
}

/** Devices that keep trying until the hub answers (a village PC rebooting): ready once each has connected once. */
async function devices(c: Extract<WorkerCommand, { cmd: 'devices' }>): Promise<void> {
  let up = 0;
  await new Promise<void>((resolve) => {
    c.clients.forEach((d, ci) => {
      const status = d.topic.replace(/\/[^/]+$/, '/status');
      const client = mqtt.connect(c.url, {
        clientId: d.clientId,
        ...(d.username ? { username: d.username, password: d.password } : {}),
        // Spread, as a fleet's retries are: no thundering herd at the same millisecond.
        reconnectPeriod: c.reconnectMs + Math.floor(Math.random() * c.reconnectMs),
        connectTimeout: 30_000,
        clean: true,
        will: { topic: status, payload: Buffer.from('{"state":"offline","reason":"lwt"}'), qos: 1, retain: true },
      });
      let counted = false;
      client.on('connect', () => {
        client.publish(status, '{"state":"online"}', { qos: 1, retain: true });
        if (!counted) {
          counted = true;
          if (++up === c.clients.length) resolve();
        }
      });
      client.on('close', () => disconnects++);
      client.on('error', () => undefined);
      clients.push(client);
      const start = setTimeout(() => {
        timers.push(
          setInterval(() => {
            if (!client.connected) return;
            client.publish(d.topic, JSON.stringify({ cpuLoad: 0.2, memUsedPct: 40 + (ci % 20) }), { qos: 1 });
            sent++;
          }, c.everyMs),
        );
      }, (ci * c.everyMs) / c.clients.length);
      timers.push(start);
    });
  });
  send({ kind: 'ready' });
}

/** A QoS 1 subscriber to `topics`: `ready` once subscribed, `done` (its count in `sent`) when `expect` messages have come. */
async function consume(c: Extract<WorkerCommand, { cmd: 'consume' }>): Promise<void> {
  const client = await mqtt.connectAsync(c.url, { clientId: c.clientId, reconnectPeriod: 0, clean: true });
  clients.push(client);
  client.on('message', () => {
    if (++sent === c.expect) send({ kind: 'done', sent, disconnects, seconds: (performance.now() - started) / 1000 });
  });
  await client.subscribeAsync(c.topics, { qos: 1 });
  send({ kind: 'ready' });
}

process.on('message', (m: WorkerCommand) => {
  const run = async (): Promise<void> => {
    if (m.cmd === 'burst') return burst(m);
    if (m.cmd === 'steady') return steady(m);
    if (m.cmd === 'flood') return flood(m);
    if (m.cmd === 'devices') return devices(m);
    if (m.cmd === 'consume') return consume(m);
    for (const t of timers) clearInterval(t);
    await Promise.all(clients.map((cl) => cl.endAsync(true).catch(() => undefined)));
    send({ kind: 'done', sent, disconnects, seconds: (performance.now() - started) / 1000 });
    process.exit(0);
  };
  // The burst's "go" is a bare message the burst itself waits for.
  if (typeof m !== 'object' || m === null || !('cmd' in m)) return;
  run().catch((err: unknown) => send({ kind: 'error', message: err instanceof Error ? err.message : String(err) }));
});
