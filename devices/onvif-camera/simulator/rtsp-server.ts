import net from 'node:net';
import type { Credentials, DigestAuthority } from './auth.js';

/**
 * A minimal RTSP/1.0 server (RFC 2326): OPTIONS, and DESCRIBE answered with an SDP for an H.264 track.
 * It streams nothing; it answers like a live camera so a client's liveness probe has something real
 * to talk to. Authentication is Digest on DESCRIBE, as most cameras do.
 */
export interface RtspServerOptions {
  host: string;
  /** Paths that exist, e.g. ["/stream1", "/stream2"]. */
  paths: readonly string[];
  digest: DigestAuthority;
  credentials: Credentials | null;
  /** Consulted on every request, so faults apply at once. */
  behaviour(): 'normal' | 'hang' | 'reject-auth';
  onRequest?(method: string): void;
}

const MAX_REQUEST = 16 * 1024;

export class RtspServer {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;

  constructor(private readonly opts: RtspServerOptions) {}

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Listens on `port` (0: a free one; on restart, the port it had). */
  async listen(port = this.boundPort): Promise<number> {
    if (this.server) return this.boundPort;
    const server = net.createServer((socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    return this.boundPort;
  }

  /** Stops listening and drops every connection: new connections are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = '';
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      if (buf.length > MAX_REQUEST) {
        socket.destroy();
        return;
      }
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.slice(end + 4 + length);
        this.handle(socket, head);
      }
    });
  }

  private handle(socket: net.Socket, head: string): void {
    const behaviour = this.opts.behaviour();
    if (behaviour === 'hang') return;
    const [requestLine = '', ...headerLines] = head.split('\r\n');
    const [method = '', url = ''] = requestLine.split(' ');
    this.opts.onRequest?.(method);
    const headers = new Map<string, string>();
    for (const line of headerLines) {
      const i = line.indexOf(':');
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    const cseq = headers.get('cseq') ?? '0';
    const reply = (status: string, extra: string[] = [], body = '') => {
      const lines = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, 'Server: LangsoSim RTSP', ...extra];
      if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    };
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      reply('400 Bad Request');
      return;
    }
    switch (method) {
      case 'OPTIONS':
        reply('200 OK', ['Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER']);
        return;
      case 'DESCRIBE': {
        if (!this.opts.paths.includes(path)) {
          reply('404 Not Found');
          return;
        }
        const creds = this.opts.credentials;
        if (creds) {
          const ok = behaviour !== 'reject-auth' && this.opts.digest.verify(headers.get('authorization'), 'DESCRIBE', url, creds, false);
          if (!ok) {
            reply('401 Unauthorized', [`WWW-Authenticate: ${this.opts.digest.challenge()}`]);
            return;
          }
        }
        reply('200 OK', ['Content-Type: application/sdp', `Content-Base: ${url}/`], sdp(this.opts.host, path));
        return;
      }
      case 'SETUP':
      case 'PLAY':
      case 'PAUSE':
      case 'TEARDOWN':
      case 'GET_PARAMETER':
        // Nothing is streamed: a client going further than DESCRIBE learns it here.
        reply('455 Method Not Valid in This State');
        return;
      default:
        reply('501 Not Implemented');
    }
  }
}

function sdp(host: string, path: string): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${host}`,
    `s=LangsoSim ${path}`,
    `c=IN IP4 0.0.0.0`,
    't=0 0',
    'a=control:*',
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 packetization-mode=1;profile-level-id=4D0029',
    'a=control:trackID=1',
    '',
  ].join('\r\n');
}
