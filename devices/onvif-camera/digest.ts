import { createHash, randomBytes } from 'node:crypto';

/**
 * HTTP Digest (RFC 7616) and Basic (RFC 7617) for the snapshot GET and RTSP DESCRIBE (RFC 2326 §22
 * reuses HTTP authentication). Written here rather than borrowed from node-onvif: its http-auth module
 * is one shared object whose credentials and request options are overwritten by every concurrent
 * request, and its parser breaks on nonces containing "=" or a realm that is not the first parameter.
 */

export interface Challenge {
  scheme: 'digest' | 'basic';
  params: Record<string, string>;
}

/** Parses `key=value, key="quoted, value"` lists (RFC 7235 auth-param), keys lowercased. */
export function parseAuthParams(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const key = (m[1] ?? '').toLowerCase();
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    if (!(key in out)) out[key] = value;
  }
  return out;
}

/**
 * Picks the challenge to answer from one or more WWW-Authenticate values: Digest (preferring
 * SHA-256 when offered alongside MD5) over Basic.
 */
export function parseChallenges(headers: string | string[] | undefined): Challenge | null {
  const values = headers === undefined ? [] : Array.isArray(headers) ? headers : [headers];
  let basic: Challenge | null = null;
  let digest: Challenge | null = null;
  for (const v of values) {
    const m = /^\s*(\w+)\s*(.*)$/s.exec(v);
    if (!m) continue;
    const scheme = (m[1] ?? '').toLowerCase();
    const params = parseAuthParams(m[2] ?? '');
    if (scheme === 'digest') {
      const algo = (params.algorithm ?? 'MD5').toUpperCase();
      if (!digest || algo === 'SHA-256') digest = { scheme: 'digest', params };
    } else if (scheme === 'basic') {
      basic = { scheme: 'basic', params };
    }
  }
  return digest ?? basic;
}

function hashFor(algorithm: string): 'md5' | 'sha256' | null {
  const a = algorithm.toUpperCase().replace(/-SESS$/, '');
  if (a === 'MD5') return 'md5';
  if (a === 'SHA-256') return 'sha256';
  return null;
}

export function h(algo: 'md5' | 'sha256', data: string): string {
  return createHash(algo).update(data, 'utf8').digest('hex');
}

export interface DigestInput {
  username: string;
  password: string;
  method: string;
  uri: string;
  /** Request counter for this nonce (nc); 1 for a single retry. */
  nc?: number;
  cnonce?: string;
}

/** The Authorization header value answering `challenge`, or null when its algorithm is unsupported. */
export function authorization(challenge: Challenge, input: DigestInput): string | null {
  if (challenge.scheme === 'basic') {
    return `Basic ${Buffer.from(`${input.username}:${input.password}`, 'utf8').toString('base64')}`;
  }
  const p = challenge.params;
  const algorithm = p.algorithm ?? 'MD5';
  const algo = hashFor(algorithm);
  if (!algo) return null;
  const realm = p.realm ?? '';
  const nonce = p.nonce ?? '';
  // qop may list several options ("auth,auth-int"); we never send a body, so "auth" is always enough.
  const qops = (p.qop ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const qop = qops.length === 0 ? null : qops.includes('auth') ? 'auth' : null;
  if (qops.length > 0 && !qop) return null;
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  let ha1 = h(algo, `${input.username}:${realm}:${input.password}`);
  if (/-sess$/i.test(algorithm)) ha1 = h(algo, `${ha1}:${nonce}:${cnonce}`);
  const ha2 = h(algo, `${input.method}:${input.uri}`);
  const response = qop ? h(algo, `${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(algo, `${ha1}:${nonce}:${ha2}`);
  const parts = [
    `username="${quote(input.username)}"`,
    `realm="${quote(realm)}"`,
    `nonce="${quote(nonce)}"`,
    `uri="${quote(input.uri)}"`,
    `algorithm=${algorithm}`,
    `response="${response}"`,
  ];
  if (p.opaque !== undefined) parts.push(`opaque="${quote(p.opaque)}"`);
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  return `Digest ${parts.join(', ')}`;
}

function quote(s: string): string {
  return s.replace(/(["\\])/g, '\\$1');
}
