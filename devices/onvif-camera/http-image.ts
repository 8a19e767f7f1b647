import http from 'node:http';
import https from 'node:https';
import { CheckError } from '../driver.js';
import { authorization, parseChallenges, type Challenge } from './digest.js';

/**
 * The snapshot GET of an ONVIF camera: plain HTTP(S) with Basic or Digest as the camera challenges,
 * a size cap, and failures as `snapshot-failed` with a readable text ("Snapshot: …").
 */

export interface HttpGetOptions {
  username?: string;
  password?: string;
  signal?: AbortSignal;
  /** Larger bodies are refused (a camera answering with a video stream must not fill memory). */
  maxBytes?: number;
  /** Kept between calls to the same camera so later requests answer its challenge without a 401 first. */
  authCache?: AuthCache;
}

export interface AuthCache {
  challenge: Challenge | null;
  nc: number;
}

interface RawResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(url: URL, headers: Record<string, string>, opts: HttpGetOptions): Promise<RawResponse> {
  const mod = url.protocol === 'https:' ? https : http;
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (!settled) reject(err);
      settled = true;
    };
    const req = mod.get(url, { headers, ...(opts.signal ? { signal: opts.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          fail(new CheckError('snapshot-failed', `Snapshot: larger than ${maxBytes} bytes`));
          res.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', () => fail(new CheckError('snapshot-failed', 'Snapshot: connection closed by the camera')));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError' || opts.signal?.aborted) fail(new CheckError('snapshot-failed', 'Snapshot: timeout'));
      else if (err.code === 'ECONNREFUSED') fail(new CheckError('snapshot-failed', `Snapshot: connection refused (${url.host})`));
      else if (err.code === 'ECONNRESET' || /socket hang up/.test(err.message)) fail(new CheckError('snapshot-failed', 'Snapshot: connection closed by the camera'));
      else fail(new CheckError('snapshot-failed', `Snapshot: ${err.code ?? err.message}`));
    });
  });
}

/** GET of an image over HTTP(S) with Digest/Basic on 401; throws "Snapshot: …". */
export async function httpGetImage(uri: string, opts: HttpGetOptions = {}): Promise<{ body: Buffer; contentType: string }> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new CheckError('snapshot-failed', `Snapshot: invalid URI "${uri}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CheckError('snapshot-failed', `Snapshot: unsupported URI "${uri}"`);
  const username = opts.username ?? decodeURIComponent(url.username);
  const password = opts.password ?? decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  // One retry when the connection drops at once: a kept-alive socket the camera closed meanwhile.
  const fetchOnce = (headers: Record<string, string>) =>
    get(url, headers, opts).catch((err: Error) => {
      if (err.message !== 'Snapshot: connection closed by the camera' || opts.signal?.aborted) throw err;
      return get(url, headers, opts);
    });
  const reqUri = url.pathname + url.search;
  const cache = opts.authCache;
  // With the camera's last challenge, answer it right away (next nonce count): one request, not two.
  const cached = username && cache?.challenge ? authorization(cache.challenge, { username, password, method: 'GET', uri: reqUri, nc: ++cache.nc }) : null;
  let res = await fetchOnce(cached ? { Authorization: cached } : {});
  if (res.status === 401 && username) {
    const challenge = parseChallenges(res.headers['www-authenticate']);
    if (cache) {
      cache.challenge = challenge;
      cache.nc = 1;
    }
    const auth = challenge && authorization(challenge, { username, password, method: 'GET', uri: reqUri });
    if (auth) res = await fetchOnce({ Authorization: auth });
    if (res.status === 401 && cache) cache.challenge = null;
  }
  if (res.status === 401) throw new CheckError('snapshot-failed', username ? 'Snapshot: 401 Unauthorized (wrong user name or password)' : 'Snapshot: 401 Unauthorized (no credentials)');
  if (res.status !== 200) throw new CheckError('snapshot-failed', `Snapshot: HTTP ${res.status} ${res.statusText}`.trimEnd());
  const contentType = String(res.headers['content-type'] ?? '');
  // Like node-onvif: no content type is taken as a JPEG (some cameras send none).
  if (contentType && !/^image\//i.test(contentType)) throw new CheckError('snapshot-failed', `Snapshot: not an image (${contentType})`);
  if (res.body.length === 0) throw new CheckError('snapshot-failed', 'Snapshot: empty image');
  return { body: res.body, contentType };
}
