/**
 * The baselines' broker: bare aedes 1.x (memory persistence, no hooks) in a process of its own, as the
 * hub runs in its own, so a baseline and the hub are loaded by the same generator processes.
 * With `--push N`, it also serves socket.io and sends every message on `langso/+/+/status` to the
 * connected sockets as it arrives: the floor for "a state change reaches the dashboards".
 * It tells its parent over IPC: { port, ioPort? }; on `{ cmd: 'count' }` it answers { published }.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { Server as IoServer } from 'socket.io';

const push = process.argv.includes('--push');
const broker = await Aedes.createBroker({ maxClientsIdLength: 128 });
let published = 0;
const server = createServer(broker.handle);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as { port: number }).port;

let ioPort: number | undefined;
if (push) {
  const http = createHttpServer();
  const io = new IoServer(http, { serveClient: false });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  ioPort = (http.address() as { port: number }).port;
  broker.on('publish', (packet, client) => {
    if (!client || !packet.topic.endsWith('/status')) return;
    const [, village, device] = packet.topic.split('/');
    const body = JSON.parse(packet.payload.toString()) as { state: string };
    io.emit('device:state', { village, device, state: body.state, ts: Date.now() });
  });
}
broker.on('publish', (_packet, client) => {
  if (client) published++;
});

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'count') process.send?.({ published });
  if (m.cmd === 'stop') {
    broker.close(() => server.close(() => process.exit(0)));
  }
});
process.send?.({ port, ...(ioPort ? { ioPort } : {}) });
