import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoModule, runScriptForJson } from '../helpers/cli.js';

/**
 * Password checks must not leave memory behind (hub/security/passwords.ts). With scrypt at 16 MiB a
 * check, glibc kept 16 MiB in each libuv thread that had made two: four logins took the hub from 78 to
 * 144 MiB for good. Measured in a process of its own: its resident memory after 12 checks, 4 at a time,
 * with hashSecret as it is, and with the 16 MiB parameters of the previous release as the control.
 */
describe('password checks and memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'langso-pwmem-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const grownMiB = async (how: 'current' | 'older'): Promise<number> => {
    const { grown } = await runScriptForJson<{ grown: number }>(join(dir, `${how}.mts`), [
      `import { readFileSync } from 'node:fs';`,
      `import { scrypt } from 'node:crypto';`,
      `import { hashSecret } from ${repoModule('hub/security/passwords.ts')};`,
      `const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;`,
      `const older = (s) => new Promise((r, j) => scrypt(s, 'salt', 32, { N: 16384, r: 8, p: 1 }, (e, k) => (e ? j(e) : r(k))));`,
      `const check = ${how === 'current' ? 'hashSecret' : 'older'};`,
      `await check('warm-up');`,
      `const before = rss();`,
      `for (let round = 0; round < 3; round++) await Promise.all([0, 1, 2, 3].map((i) => check('mật khẩu ' + round + i)));`,
      `await new Promise((r) => setTimeout(r, 200));`,
      `console.log(JSON.stringify({ grown: rss() - before }));`,
    ]);
    return grown;
  };

  it('leave nothing behind, where the older parameters kept 16 MiB per thread', async () => {
    const older = await grownMiB('older');
    const current = await grownMiB('current');
    expect(older).toBeGreaterThan(30);
    expect(current).toBeLessThan(8);
  }, 90_000);
});
