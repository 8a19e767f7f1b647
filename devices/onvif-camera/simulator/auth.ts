import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { h, parseAuthParams } from '../digest.js';

/**
 * Server side of the simulated camera's authentication: HTTP/RTSP Digest (RFC 7616, MD5, qop=auth) and
 * WS-Security UsernameToken PasswordDigest (ONVIF Core §5.9.4).
 */

export interface Credentials {
  username: string;
  password: string;
}

/** How long an issued Digest nonce stays valid. */
const NONCE_TTL_MS = 5 * 60_000;

/**
 * Issues and checks Digest challenges without storing nonces: a nonce is its issue time plus an HMAC
 * of it, in hex. node-onvif's own parser (http-auth.js) needs `realm` first, `qop` present and no "="
 * in the nonce (TESTING.md), so the challenge is written exactly that way.
 */
export class DigestAuthority {
  private readonly secret = randomBytes(16);

  constructor(readonly realm: string) {}

  challenge(now = Date.now()): string {
    return `Digest realm="${this.realm}", qop="auth", nonce="${this.nonce(now)}", algorithm=MD5`;
  }

  private nonce(now: number): string {
    const ts = now.toString(16).padStart(12, '0');
    return ts + createHmac('sha256', this.secret).update(ts).digest('hex').slice(0, 32);
  }

  private nonceValid(nonce: string, now: number): boolean {
    if (!/^[0-9a-f]{44}$/.test(nonce)) return false;
    const ts = nonce.slice(0, 12);
    if (nonce !== this.nonce(parseInt(ts, 16))) return false;
    const age = now - parseInt(ts, 16);
    return age >= -1_000 && age <= NONCE_TTL_MS;
  }

  /** Checks an Authorization header (Digest, and Basic when allowed) for `method` on `uri`. */
  verify(header: string | undefined, method: string, uri: string, creds: Credentials, allowBasic: boolean, now = Date.now()): boolean {
    if (!header) return false;
    const m = /^\s*(\w+)\s+(.*)$/s.exec(header);
    if (!m) return false;
    const scheme = (m[1] ?? '').toLowerCase();
    if (scheme === 'basic') {
      if (!allowBasic) return false;
      const decoded = Buffer.from(m[2] ?? '', 'base64').toString('utf8');
      return safeEqual(decoded, `${creds.username}:${creds.password}`);
    }
    if (scheme !== 'digest') return false;
    const p = parseAuthParams(m[2] ?? '');
    if (p.username !== creds.username || p.realm !== this.realm || !p.nonce || !this.nonceValid(p.nonce, now)) return false;
    // The digest covers the URI the client names; it must be the resource asked for.
    if (p.uri !== uri) return false;
    const algo = (p.algorithm ?? 'MD5').toUpperCase();
    if (algo !== 'MD5') return false;
    const ha1 = h('md5', `${creds.username}:${this.realm}:${creds.password}`);
    const ha2 = h('md5', `${method}:${p.uri}`);
    const expected = p.qop
      ? h('md5', `${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`)
      : h('md5', `${ha1}:${p.nonce}:${ha2}`);
    return safeEqual(expected, p.response ?? '');
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface UsernameToken {
  username: string;
  password: string;
  passwordType: string;
  nonce: string;
  created: string;
}

/** How far `Created` may be from the camera's clock (ONVIF leaves it to the device; 5 min is common). */
export const CREATED_WINDOW_MS = 5 * 60_000;

/**
 * Checks a WS-UsernameToken against the camera's own clock (`deviceNow`, which includes any simulated
 * drift): node-onvif shifts `Created` by the offset it learned from GetSystemDateAndTime, so a client
 * that did so passes however far the camera's clock is off, and a stale token does not.
 * Returns null when valid, else why not.
 */
export function checkUsernameToken(t: UsernameToken | null, creds: Credentials, deviceNow: number): string | null {
  if (!t) return 'no UsernameToken';
  if (t.username !== creds.username) return 'unknown user';
  const created = Date.parse(t.created);
  if (!Number.isFinite(created)) return 'bad Created';
  if (Math.abs(created - deviceNow) > CREATED_WINDOW_MS) return 'Created outside the time window';
  if (/#PasswordText$/.test(t.passwordType)) return safeEqual(t.password, creds.password) ? null : 'wrong password';
  const nonce = Buffer.from(t.nonce, 'base64');
  const digest = createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(t.created, 'utf8'), Buffer.from(creds.password, 'utf8')]))
    .digest('base64');
  return safeEqual(digest, t.password) ? null : 'wrong password digest';
}
