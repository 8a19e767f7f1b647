import type { Bus } from './core/bus.js';
import type { Clock } from './core/clock.js';
import type { Config } from './config/schema.js';
import type { Counters } from './core/counters.js';
import type { Faults } from './core/faults.js';
import type { Logger } from './core/log.js';
import type { DeviceRegistry } from './registry/registry.js';
import type { MetricWriter } from './store/writer.js';
import type { MetricStore } from './store/types.js';
import type { StateDb } from './state/db.js';

/** What every hub module gets from the composition root (hub/main.ts). Nothing here is a module-level singleton. */
export interface HubContext {
  readonly config: Config;
  readonly log: Logger;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly counters: Counters;
  /** Recoverable failures (accept errors, a read-only or full state database in a timer): counted, logged, shown by /api/health. */
  readonly faults: Faults;
  /** Masks configured secrets and URL credentials in a text a person or another system will see (hub/core/redact.ts). */
  readonly redact: (text: string) => string;
  /** Live view of every device: configured and unregistered, state, last seen, last telemetry. */
  readonly devices: DeviceRegistry;
  /** Metric storage for queries; writes go through `writer`. */
  readonly store: MetricStore;
  readonly writer: MetricWriter;
  /** Relational state in SQLite (alerts, outbox, maintenance, meetings, last device states). */
  readonly state: StateDb;
  readonly version: string;
  readonly startedAt: number;
}
