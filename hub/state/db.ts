import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './schema.js';

/**
 * The hub's relational state (DESIGN.md §5): alerts and their history, the notification outbox,
 * maintenance windows, meetings, last device states. One SQLite file in dataDir, in both store modes.
 * Built by the composition root, opened by `open()` when the hub starts (tables come from schema.ts);
 * repositories hold a reference and touch it only after that.
 */
export class StateDb {
  private db: Database.Database | null = null;

  constructor(readonly file: string) {}

  get isOpen(): boolean {
    return this.db?.open ?? false;
  }

  open(): void {
    if (this.db?.open) return;
    if (this.file !== ':memory:') mkdirSync(path.dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    try {
      db.pragma('journal_mode = WAL');
      // Survives power loss of the village PC without fsync on every alert update.
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      const applied = db.pragma('user_version', { simple: true }) as number;
      for (let i = applied; i < migrations.length; i++) {
        db.transaction(() => {
          db.exec(migrations[i] as string);
          db.pragma(`user_version = ${i + 1}`);
        })();
      }
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
  }

  private get handle(): Database.Database {
    if (!this.db) throw new Error('state database used before it was opened');
    return this.db;
  }

  prepare<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    return this.handle.prepare<P, R>(sql);
  }

  exec(sql: string): void {
    this.handle.exec(sql);
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): Database.Transaction<F> {
    return this.handle.transaction(fn);
  }

  close(): void {
    if (this.db?.open) this.db.close();
    this.db = null;
  }
}

/** Opens a state database now (tests, command-line tools); the hub opens its own at start. */
export function openStateDb(file: string): StateDb {
  const db = new StateDb(file);
  db.open();
  return db;
}
