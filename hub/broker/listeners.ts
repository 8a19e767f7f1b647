import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { guardStream, type GuardRefusal } from './packet-guard.js';

/** What every listener hands a new connection to: aedes, behind the packet guard. */
export interface ListenerOptions {
  maxPacketBytes: number;
  /** How long a TLS handshake may take (the CONNECT timeout covers the rest). */
  handshakeMs: number;
  handle: (stream: Duplex, req?: IncomingMessage) => void;
  onRefuse: (why: GuardRefusal, detail: string, address: string) => void;
  /** Every accepted socket, so stop() can end them. */
  track: (socket: Socket) => void;
  onError: (source: string, err: Error) => void;
}

function guarded(inner: Duplex, address: string | undefined, o: ListenerOptions): Duplex {
  const addr = address ?? 'unknown';
  return guardStream(inner, { maxPacketBytes: o.maxPacketBytes, remoteAddress: addr, onRefuse: (why, detail) => o.onRefuse(why, detail, addr) });
}

/** Plain MQTT over TCP. */
export function tcpServer(o: ListenerOptions): Server {
  return createServer((socket) => {
    o.track(socket);
    o.handle(guarded(socket, socket.remoteAddress, o));
  });
}

/** MQTT over TLS (MQTTS): the guard reads the decrypted bytes. Certificate and key are PEM files. */
export function tlsServer(o: ListenerOptions, tls: { cert: string; key: string }): Server {
  const server = createTlsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), handshakeTimeout: o.handshakeMs }, (socket: TLSSocket) => {
    o.handle(guarded(socket, socket.remoteAddress, o));
  });
  server.on('connection', (socket: Socket) => o.track(socket));
  // A client that does not speak TLS, or distrusts our certificate: its connection ends, the hub goes on.
  server.on('tlsClientError', (err) => o.onError('tls', err));
  return server;
}

/**
 * MQTT over WebSocket: an HTTP server that answers plain requests with 426 and upgrades the rest. The
 * WebSocket layer refuses a frame larger than a packet may be (`ws` would otherwise buffer 100 MiB).
 */
export function wsServer(o: ListenerOptions): { http: HttpServer; wss: WebSocketServer } {
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect with a WebSocket client\n');
  });
  http.on('connection', (socket: Socket) => o.track(socket));
  const wss = new WebSocketServer({ server: http, maxPayload: o.maxPacketBytes });
  // ws re-emits its HTTP server's errors; they are counted by the server's own handler.
  wss.on('error', (err) => o.onError('ws', err));
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', (err) => o.onError('ws', err));
    o.handle(guarded(stream, req.socket.remoteAddress, o), req);
  });
  return { http, wss };
}
