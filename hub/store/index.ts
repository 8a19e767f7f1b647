import { isAbsolute, resolve } from 'node:path';
import type { StoreConfig } from '../config/schema.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { InfluxMetricStore } from './influx.js';
import { SqliteMetricStore } from './sqlite.js';
import type { MetricStore } from './types.js';

export type { MetricStore } from './types.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export { MetricWriter } from './writer.js';

/** The metric store for `store.kind` (DESIGN.md §5); nothing is opened yet. The writer's settings are not used here. */
export function createMetricStore(config: DistributiveOmit<StoreConfig, 'spool'>, dataDir: string, log: Logger, clock: Clock = systemClock): MetricStore {
  if (config.kind === 'influx') return new InfluxMetricStore(config, log.child({ module: 'store', store: 'influx' }));
  const file = config.file === ':memory:' || isAbsolute(config.file) ? config.file : resolve(dataDir, config.file);
  return new SqliteMetricStore(file, log.child({ module: 'store', store: 'sqlite' }), {
    rawRetention: config.rawRetention,
    rollupRetention: config.rollupRetention,
    clock,
  });
}
