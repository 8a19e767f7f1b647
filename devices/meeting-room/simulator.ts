import http from 'node:http';
import net from 'node:net';

/**
 * Stand-ins for the parts of the meeting set the meeting-room poller checks: a codec's (or meeting
 * PC's) HTTP status page and a TCP service such as a display's control port.
 */

export interface CodecPageState {
  status?: number;
  /** The page's text; the poller looks for a keyword in it (e.g. "Registered"). */
  body?: string;
  /** Accept connections and requests but never answer (a codec whose web server hung). */
  hang?: boolean;
}

export interface CodecPage {
  readonly url: string;
  readonly port: number;
  set(state: CodecPageState): void;
  requests(): number;
  close(): Promise<void>;
}

export const codecStatusBody = (state: 'Registered' | 'Unregistered' = 'Registered') =>
  `<!doctype html><html><head><title>Codec status</title></head><body><h1>Phòng họp trực tuyến</h1><p>SIP: ${state}</p><p>Camera: connected</p></body></html>`;

export async function startCodecPage(initial: CodecPageState = {}, port = 0): Promise<CodecPage> {
  const state: Required<CodecPageState> = { status: 200, body: codecStatusBody(), hang: false, ...initial };
  let count = 0;
  const server = http.createServer((_req, res) => {
    count++;
    if (state.hang) return; // the socket stays open until the client gives up or the server closes
    res.writeHead(state.status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(state.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/status`,
    port: actual,
    set(s) {
      Object.assign(state, s);
    },
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TcpStandIn {
  readonly port: number;
  /** Stop listening: connections are refused, as when the device is off or its service stopped. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpStandIn(port = 0): Promise<TcpStandIn> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let bound = port;
  const listen = async () => {
    const s = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(bound, '127.0.0.1', () => resolve());
    });
    bound = (s.address() as net.AddressInfo).port;
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = null;
    if (!s) return;
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    get port() {
      return bound;
    },
    stop,
    start: () => (server ? Promise.resolve() : listen()),
    close: stop,
  };
}
