/**
 * Dashboards for push.ts, in a process of their own (the hub or baseline under test keeps its core):
 * socket.io clients over WebSocket, each with the session cookie a logged-in browser sends. Every
 * `device:state` received is reported to the parent at once, with the wall-clock time it arrived.
 *   parent → { url, cookie, sockets }   child → { ready: true } once every socket is connected
 *   child → { device, state, at }       per socket and push;  parent → { stop: true }
 */
import { io, type Socket } from 'socket.io-client';

interface Start {
  url: string;
  cookie: string | null;
  sockets: number;
}

const sockets: Socket[] = [];
const now = (): number => performance.timeOrigin + performance.now();

process.on('message', (m: Start | { stop: true }) => {
  if ('stop' in m) {
    for (const s of sockets) s.disconnect();
    process.exit(0);
  }
  let up = 0;
  for (let i = 0; i < m.sockets; i++) {
    const s = io(m.url, { transports: ['websocket'], reconnection: false, ...(m.cookie ? { extraHeaders: { cookie: m.cookie } } : {}) });
    s.on('connect', () => {
      if (++up === m.sockets) process.send?.({ ready: true });
    });
    s.on('connect_error', (err) => process.send?.({ error: `socket.io: ${err.message}` }));
    s.on('device:state', (e: { device: string; state: string }) => process.send?.({ device: e.device, state: e.state, at: now() }));
    sockets.push(s);
  }
});
