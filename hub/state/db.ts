import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type StateDb = Database.Database;

/**
 * The hub's relational state (DESIGN.md §5): alerts and their history, the notification outbox,
 * maintenance windows, meetings, last device states. One SQLite file in dataDir, in both store modes.
 * Each repository creates its own tables (CREATE TABLE IF NOT EXISTS) when constructed.
 */
export function openStateDb(file: string): StateDb {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // Survives power loss of the village PC without fsync on every alert update.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}
