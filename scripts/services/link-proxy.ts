/**
 * A TCP proxy standing for a village's Internet link in tests and benchmarks: `cut()` closes every
 * connection and refuses new ones (the link is down), `restore()` lets them through again, and
 * `throttle(bitsPerS)` limits each direction to a bandwidth (a slow rural link), `latency(ms)` delays it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface LinkProxy {
  port: number;
  url: string;
  cut(): void;
  restore(): void;
  /** null = no limit; 0 = a silent link (bytes held back, connections left open). */
  throttle(bitsPerS: number | null): void;
  /** Delays every byte by this much in each direction (a round trip is twice it). */
  latency(oneWayMs: number): void;
  /** Bytes that went through towards the target. */
  readonly bytesUp: number;
  stop(): Promise<void>;
}

/** Pipes `from` into `to` at most `rate()` bits/s (a token bucket; 50 ms of burst). */
function pipeThrottled(from: Socket, to: Socket, rate: () => number | null, count: (n: number) => void, delayMs: () => number): void {
  // Timers of one duration fire in the order they were set: the bytes keep their order.
  const deliver = (b: Buffer): void => {
    const d = delayMs();
    if (d <= 0) to.write(b);
    else
      setTimeout(() => {
        if (!to.destroyed) to.write(b);
      }, d);
  };
  let queue: Buffer[] = [];
  let budget = 0;
  let last = Date.now();
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    const r = rate();
    const now = Date.now();
    if (r === null) {
      budget = Infinity;
    } else if (r <= 0) {
      // A silent link: nothing passes, nothing is reset (only keepalives can tell).
      budget = 0;
    } else {
      const bytesPerMs = r / 8 / 1000;
      budget = Math.min(Math.max(budget, 0) + (now - last) * bytesPerMs, Math.max(1500, 50 * bytesPerMs));
    }
    last = now;
    while (queue.length > 0 && budget > 0) {
      const head = queue[0] as Buffer;
      const n = Math.min(head.length, budget === Infinity ? head.length : Math.floor(budget));
      if (n <= 0) break;
      deliver(head.subarray(0, n));
      count(n);
      budget -= n;
      if (n === head.length) queue.shift();
      else queue[0] = head.subarray(n);
    }
    if (queue.length > 0) {
      from.pause();
      timer = setTimeout(flush, 10);
    } else from.resume();
  };
  from.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (!timer) flush();
  });
  from.on('close', () => {
    if (timer) clearTimeout(timer);
    queue = [];
    to.destroy();
  });
}

export async function startLinkProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<LinkProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  let bits: number | null = null;
  let up = 0;
  let oneWayMs = 0;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const forget = (): void => {
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', forget);
    upstream.on('close', forget);
    pipeThrottled(client, upstream, () => bits, (n) => (up += n), () => oneWayMs);
    pipeThrottled(upstream, client, () => bits, () => undefined, () => oneWayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get bytesUp() {
      return up;
    },
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      down = false;
    },
    throttle(b) {
      bits = b;
    },
    latency(ms) {
      oneWayMs = ms;
    },
    stop() {
      down = true;
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
