import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password and device-secret hashing with scrypt (RFC 7914), the format self-describing so the cost can
 * be raised later without breaking stored hashes: `scrypt$N$r$p$<salt b64>$<hash b64>`.
 * N = 2^15, r = 8, p = 1: about 130 ms and 32 MiB per check here — slow for a guesser, fast enough
 * for a login or a device's first connection (the broker remembers a secret that verified).
 *
 * Why 32 MiB and not 2^14's 16: glibc maps a block that large straight from the system and gives it
 * back when freed, but the first such free raises its threshold for mapping (up to 32 MiB), after which
 * 16 MiB blocks come from each thread's heap and stay there. Each of libuv's four threads then kept
 * 16 MiB after its second check: four logins took the hub from 78 to 144 MiB for good. A block over
 * 32 MiB never raises the threshold (test/security/password-memory.test.ts). Hashes made with a lower
 * cost still verify, and are made again with this one at the next successful check (`needsRehash`).
 */
const N = 32_768;
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

/** True when `stored` was made at a lower cost than hashSecret's now: hash the secret again once it verified. */
export function needsRehash(stored: string): boolean {
  const parts = stored.split('$');
  return parts[0] === 'scrypt' && Number(parts[1]) * Number(parts[2]) < N * R;
}

/** A random secret for a device or a session: 32 bytes, base64url (43 characters, no padding). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
