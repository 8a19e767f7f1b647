import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Level } from 'level';

/**
 * The broker's state on disk (docs/durability.md): retained messages (device statuses), subscriptions
 * and the QoS 1/2 messages queued for `clean: false` clients while they are away, in LevelDB
 * (aedes-persistence-level, the persistence maintained for aedes 1.x that needs no server; `level`
 * ships LevelDB built for Windows and Linux). Kept in `dataDir/broker`.
 */
export interface BrokerPersistence {
  setup(broker: unknown): Promise<void>;
  storeRetained(packet: unknown): Promise<void>;
  destroy(): Promise<void>;
}

type PersistenceClass = new (db: Level<string, Buffer>) => BrokerPersistence;

const require = createRequire(import.meta.url);

/** Opens (creating) the database in `dir`; Last Wills of the run before are dropped (see below). */
export async function openBrokerPersistence(dir: string): Promise<BrokerPersistence> {
  mkdirSync(dir, { recursive: true });
  // A village's retained statuses and queued messages are a few MB at most: LevelDB's defaults (an 8 MiB
  // block cache, 4 MiB write buffers) are memory the hub would hold for nothing.
  const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer', cacheSize: 1024 * 1024, writeBufferSize: 1024 * 1024 });
  await db.open();
  try {
    // Wills of clients connected when the hub last stopped (or died): their connections ended with the
    // hub, not because the devices failed; a device that does not come back goes offline by its timeout.
    // Published late, they would mark devices that are back online as offline.
    await db.clear({ gte: 'will:', lt: 'will;' });
    const Persistence = require('aedes-persistence-level/asyncPersistence.js') as PersistenceClass;
    return new Persistence(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
