import net from 'node:net';
import { CheckError } from '../driver.js';
import { authorization, parseChallenges } from './digest.js';

/**
 * RTSP liveness probe (RFC 2326) over a raw TCP socket: OPTIONS, then DESCRIBE (the request that makes
 * a camera open its media pipeline and answer with SDP). No RTP is set up; a camera whose encoder is
 * dead typically refuses the connection or fails DESCRIBE, which is what this detects.
 */

export interface RtspProbeOptions {
  username?: string;
  password?: string;
  signal?: AbortSignal;
  /** Upper bound on one response (headers + SDP). */
  maxBytes?: number;
}

export interface RtspProbeResult {
  ok: boolean;
  /** Status of the final DESCRIBE. */
  status: number;
  /** Round trip of OPTIONS, the cheapest request the server answers. */
  rttMs: number;
  /** Content type of the DESCRIBE answer (application/sdp). */
  contentType?: string;
}

export interface RtspResponse {
  status: number;
  reason: string;
  headers: Record<string, string[]>;
  body: string;
}

const USER_AGENT = 'LangsoHub/0.1';

/** Splits one RTSP response off the front of `buf`; null while it is incomplete. */
export function parseResponse(buf: Buffer): { response: RtspResponse; rest: Buffer } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^RTSP\/1\.\d (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (!m) throw new CheckError('rtsp-bad-answer', 'RTSP: invalid response');
  const headers: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const key = line.slice(0, i).trim().toLowerCase();
    (headers[key] ??= []).push(line.slice(i + 1).trim());
  }
  const length = Number(headers['content-length']?.[0] ?? 0);
  if (!Number.isFinite(length) || length < 0) throw new CheckError('rtsp-bad-answer', 'RTSP: invalid response');
  const total = end + 4 + length;
  if (buf.length < total) return null;
  return {
    response: { status: Number(m[1]), reason: m[2] ?? '', headers, body: buf.subarray(end + 4, total).toString('utf8') },
    rest: buf.subarray(total),
  };
}

/** One TCP connection carrying requests one at a time. */
class RtspConnection {
  private buf = Buffer.alloc(0);
  private waiter: { resolve: (r: RtspResponse) => void; reject: (e: CheckError) => void } | null = null;
  private failure: CheckError | null = null;
  private cseq = 0;

  private constructor(
    private readonly socket: net.Socket,
    private readonly maxBytes: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(socketError(err, socket.remotePort ?? 0)));
    socket.on('close', () => this.fail(new CheckError('rtsp-closed', 'RTSP: connection closed by the camera')));
  }

  static open(host: string, port: number, maxBytes: number, signal?: AbortSignal): Promise<RtspConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, ...(signal ? { signal } : {}) });
      socket.setNoDelay(true);
      const onError = (err: NodeJS.ErrnoException) => reject(signal?.aborted ? rtspTimeout() : socketError(err, port));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new RtspConnection(socket, maxBytes));
      });
    });
  }

  request(method: string, url: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    if (this.failure) return Promise.reject(this.failure);
    this.cseq++;
    const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${this.cseq}`, `User-Agent: ${USER_AGENT}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > this.maxBytes) {
      this.fail(new CheckError('rtsp-bad-answer', 'RTSP: response too large'));
      this.socket.destroy();
      return;
    }
    let parsed: ReturnType<typeof parseResponse>;
    try {
      parsed = parseResponse(this.buf);
    } catch (err) {
      this.fail(err instanceof CheckError ? err : new CheckError('rtsp-bad-answer', `RTSP: ${(err as Error).message}`));
      this.socket.destroy();
      return;
    }
    if (!parsed) return;
    this.buf = Buffer.from(parsed.rest);
    const w = this.waiter;
    this.waiter = null;
    w?.resolve(parsed.response);
  }

  private fail(err: CheckError): void {
    this.failure ??= err;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(this.failure);
  }
}

const rtspTimeout = (): CheckError => new CheckError('rtsp-timeout', 'RTSP: timeout');

function socketError(err: NodeJS.ErrnoException, port: number): CheckError {
  if (err.name === 'AbortError') return rtspTimeout();
  switch (err.code) {
    case 'ECONNREFUSED':
      return new CheckError('rtsp-refused', 'RTSP: connection refused', { port });
    case 'ECONNRESET':
    case 'EPIPE':
      return new CheckError('rtsp-closed', 'RTSP: connection closed by the camera');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new CheckError('unreachable', 'RTSP: host unreachable');
    case 'ETIMEDOUT':
      return rtspTimeout();
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      const host = err.message.split(' ').pop() ?? '';
      return new CheckError('dns', `RTSP: unknown host ${host}`.trimEnd(), { host });
    }
    default:
      return new CheckError('network-error', `RTSP: ${err.code ?? err.message}`);
  }
}

/**
 * OPTIONS then DESCRIBE on `url` (rtsp://[user:pass@]host[:554]/path). Answers a 401 with Digest or
 * Basic when credentials are given (in `opts` or the URL). Throws "RTSP: connection refused",
 * "RTSP: timeout" (signal aborted), "RTSP: 404 Not Found", "RTSP: 401 Unauthorized"…
 */
export async function probeRtsp(url: string, opts: RtspProbeOptions = {}): Promise<RtspProbeResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CheckError('rtsp-bad-answer', `RTSP: invalid URL "${url}"`);
  }
  if (u.protocol !== 'rtsp:') throw new CheckError('rtsp-bad-answer', `RTSP: not an rtsp:// URL "${url}"`);
  const username = opts.username ?? decodeURIComponent(u.username);
  const password = opts.password ?? decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  const target = u.toString();
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : 554;
  if (opts.signal?.aborted) throw rtspTimeout();

  const conn = await RtspConnection.open(host, port, opts.maxBytes ?? 64 * 1024, opts.signal);
  const onAbort = () => conn.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const t0 = performance.now();
    const options = await conn.request('OPTIONS', target);
    const rttMs = performance.now() - t0;
    if (options.status === 401 && username) {
      // Some cameras protect OPTIONS too; a Digest answer is per method, so DESCRIBE gets its own.
      const auth = answer(options, username, password, 'OPTIONS', target);
      if (auth) await conn.request('OPTIONS', target, { Authorization: auth });
    }
    let describe = await conn.request('DESCRIBE', target, { Accept: 'application/sdp' });
    if (describe.status === 401 && username) {
      const a = answer(describe, username, password, 'DESCRIBE', target);
      if (a) describe = await conn.request('DESCRIBE', target, { Accept: 'application/sdp', Authorization: a });
    }
    if (describe.status === 401) {
      throw new CheckError('rtsp-unauthorized', username ? 'RTSP: 401 Unauthorized (wrong user name or password)' : 'RTSP: 401 Unauthorized');
    }
    const text = `RTSP: ${describe.status} ${describe.reason}`.trimEnd();
    // 404 / 454 Session Not Found: the path names no stream (a wrong profile, a disabled channel).
    if (describe.status === 404 || describe.status === 454) throw new CheckError('rtsp-no-stream', text, { status: describe.status });
    if (describe.status !== 200) throw new CheckError('rtsp-status', text, { status: describe.status });
    const contentType = describe.headers['content-type']?.[0];
    return { ok: true, status: describe.status, rttMs, ...(contentType ? { contentType } : {}) };
  } catch (err) {
    if (opts.signal?.aborted) throw rtspTimeout();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    conn.close();
  }
}

function answer(res: RtspResponse, username: string, password: string, method: string, uri: string): string | null {
  const challenge = parseChallenges(res.headers['www-authenticate']);
  return challenge && authorization(challenge, { username, password, method, uri });
}
