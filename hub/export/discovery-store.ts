import type { StateDb } from '../state/db.js';

/** One discovery topic the hub announced (or removed) in Home Assistant. */
export interface DiscoveryRow {
  topic: string;
  village: string;
  device: string;
  announcedAt: number;
  /** When its removal went out; null while it is announced. */
  removedAt: number | null;
}

interface Row {
  topic: string;
  village: string;
  device: string;
  announced_at: number;
  removed_at: number | null;
}

/**
 * What the hub announced to Home Assistant (table `ha_discovery`, hub/state/schema.ts): a later start
 * compares it with the configuration and removes what is gone, and removals are remembered a while so a
 * Home Assistant that was not connected when they went out still gets them.
 */
export class DiscoveryStore {
  constructor(private readonly db: StateDb) {}

  all(): DiscoveryRow[] {
    return (this.db.prepare('SELECT topic, village, device, announced_at, removed_at FROM ha_discovery ORDER BY topic').all() as Row[]).map((r) => ({
      topic: r.topic,
      village: r.village,
      device: r.device,
      announcedAt: r.announced_at,
      removedAt: r.removed_at,
    }));
  }

  /** Removed topics, still told to Home Assistants that subscribe. */
  removed(): string[] {
    return (this.db.prepare('SELECT topic FROM ha_discovery WHERE removed_at IS NOT NULL ORDER BY topic').all() as Array<{ topic: string }>).map((r) => r.topic);
  }

  announced(topics: ReadonlyArray<{ topic: string; village: string; device: string }>, ts: number): void {
    const upsert = this.db.prepare(
      `INSERT INTO ha_discovery (topic, village, device, announced_at, removed_at) VALUES (@topic, @village, @device, @ts, NULL)
       ON CONFLICT (topic) DO UPDATE SET village = excluded.village, device = excluded.device, announced_at = excluded.announced_at, removed_at = NULL`,
    );
    this.db.transaction(() => {
      for (const t of topics) upsert.run({ topic: t.topic, village: t.village, device: t.device, ts });
    })();
  }

  markRemoved(topics: readonly string[], ts: number): void {
    const mark = this.db.prepare('UPDATE ha_discovery SET removed_at = ? WHERE topic = ? AND removed_at IS NULL');
    this.db.transaction(() => {
      for (const t of topics) mark.run(ts, t);
    })();
  }

  /** Forgets removals older than `ts`: by then every Home Assistant that was going to reconnect has. */
  purgeRemovedBefore(ts: number): number {
    return this.db.prepare('DELETE FROM ha_discovery WHERE removed_at IS NOT NULL AND removed_at < ?').run(ts).changes;
  }
}
