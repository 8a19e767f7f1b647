import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeSchema } from '../../hub/config/schema.js';
import { createLogger } from '../../hub/core/log.js';
import { createMetricStore } from '../../hub/store/index.js';
import { SqliteMetricStore } from '../../hub/store/sqlite.js';
import { metricStoreContract, tel } from './contract.js';

const log = createLogger('silent');

metricStoreContract('sqlite', async () => {
  const store = new SqliteMetricStore(':memory:', log);
  await store.open();
  return store;
});

describe('SqliteMetricStore on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'langso-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates missing folders, uses WAL and keeps data across reopen', async () => {
    const file = join(dir, 'a', 'b', 'metrics.db');
    const store = new SqliteMetricStore(file, log);
    expect(existsSync(file)).toBe(false); // the constructor only assigns
    await store.open();
    await store.open(); // idempotent
    await store.write([tel('ap-1', 1_000, { clients: 3 })]);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();

    const again = new SqliteMetricStore(file, log);
    await again.open();
    const pts = await again.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: 0, to: 2_000, points: 10 });
    expect(pts).toEqual([{ ts: 1_000, mean: 3, min: 3, max: 3 }]);
    await again.close();
  });

  it('refuses use before open() with a clear message', async () => {
    const store = new SqliteMetricStore(join(dir, 'never.db'), log);
    await expect(store.write([tel('ap-1', 1, { clients: 1 })])).rejects.toThrow(/open\(\)/);
  });

  it('createMetricStore resolves the file against dataDir unless absolute', async () => {
    const rel = createMetricStore(storeSchema.parse({ kind: 'sqlite', file: 'sub/m.db' }), dir, log);
    expect(rel.name).toBe('sqlite');
    await rel.open();
    expect(existsSync(join(dir, 'sub', 'm.db'))).toBe(true);
    await rel.close();
    const absFile = join(dir, 'abs.db');
    const abs = createMetricStore(storeSchema.parse({ kind: 'sqlite', file: absFile }), '/nonexistent', log);
    await abs.open();
    expect(existsSync(absFile)).toBe(true);
    await abs.close();
  });
});
