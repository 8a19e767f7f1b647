import { afterAll, afterEach } from 'vitest';

/** Something a test opened and must close: a server, a client, a temporary folder. */
export type Cleanup = () => unknown;

/**
 * A list to push closes onto; they run after each test (`'each'`) or after the file's last (`'all'`), the
 * last pushed first. `tolerant`: a close that fails (a process already gone) does not fail the test.
 */
export function cleanupsAfter(when: 'each' | 'all', { tolerant = false }: { tolerant?: boolean } = {}): Cleanup[] {
  const cleanups: Cleanup[] = [];
  (when === 'each' ? afterEach : afterAll)(async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      if (tolerant) await Promise.resolve().then(fn).catch(() => undefined);
      else await fn();
    }
  });
  return cleanups;
}
