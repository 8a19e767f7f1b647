import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password and device-secret hashing with scrypt (RFC 7914), the format self-describing so the cost can
 * be raised later without breaking stored hashes: `scrypt$N$r$p$<salt b64>$<hash b64>`.
 * N = 2^14, r = 8, p = 1: about 50 ms and 16 MiB per check on the village PC — slow for a guesser,
 * fast enough for a login or a device (re)connecting.
 */
const N = 16_384;
const R = 8;
const P = 1;
const KEY_LEN = 32;
const SALT_LEN = 16;

function scrypt(secret: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(secret.normalize('NFC'), salt, keyLen, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await scrypt(secret, salt, KEY_LEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `secret` matches `stored`; false for a wrong secret or a hash this code cannot read. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || n > 1_048_576 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length === 0 || expected.length === 0) return false;
  const key = await scrypt(secret, salt, expected.length, { N: n, r, p });
  return timingSafeEqual(key, expected);
}

/** A random secret for a device or a session: 32 bytes, base64url (43 characters, no padding). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
