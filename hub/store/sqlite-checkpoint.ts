import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from '../core/log.js';

/**
 * WAL checkpoints of the metric store in a worker thread with its own connection. A checkpoint copies
 * the WAL into the file and syncs it to disk: 20–40 ms on a small PC, too long for the event loop that
 * MQTT runs on. In WAL mode it runs alongside the hub's writes; the hub's connection then checkpoints
 * by itself only as a fallback, when the WAL passes AUTOCHECKPOINT_FALLBACK pages (the worker stopped).
 */

/** Pages (of 4 KB) the WAL may reach before the hub's own connection checkpoints, as SQLite does by default at 1 000. */
const AUTOCHECKPOINT_FALLBACK = 10_000;

// Plain JavaScript, run as the worker's script: better-sqlite3 is loaded from where the hub found it.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.lib);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const run = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    return r && r.busy === 0 && r.log === r.checkpointed;
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
    return false;
  }
};
const timer = setInterval(run, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m && m.sync !== undefined) {
    // Every frame copied: what was committed before is in the synced database file.
    parentPort.postMessage({ synced: m.sync, ok: run() });
    return;
  }
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  private worker: Worker | null = null;
  private syncs = 0;
  private readonly waiting = new Map<number, (ok: boolean) => void>();

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly everyMs = 1_000,
  ) {}

  get running(): boolean {
    return this.worker !== null;
  }

  /** Starts the worker and leaves the hub's connection only the fallback checkpoints. */
  start(db: Database.Database): void {
    if (this.file === ':memory:' || this.worker) return;
    const lib = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER, { eval: true, workerData: { lib, file: this.file, everyMs: this.everyMs } });
    worker.on('message', (m: { error?: string; synced?: number; ok?: boolean }) => {
      if (m.error) this.log.warn({ err: m.error }, 'sqlite: WAL checkpoint failed; tried again in a moment');
      if (m.synced !== undefined) {
        this.waiting.get(m.synced)?.(m.ok === true);
        this.waiting.delete(m.synced);
      }
    });
    worker.on('error', (err) => {
      this.log.error({ err: err.message }, 'sqlite: the WAL checkpoint thread stopped; the hub checkpoints by itself');
      for (const resolve of this.waiting.values()) resolve(false);
      this.waiting.clear();
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
      this.worker = null;
    });
    // After the listeners (a message listener holds the thread again): a hub that stops is not kept alive by it.
    worker.unref();
    db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_FALLBACK}`);
    this.worker = worker;
  }

  /**
   * A checkpoint now, in the thread: true when every committed frame was copied into the database file
   * and synced (with `synchronous = NORMAL` a commit reaches the disk only at a checkpoint); false when
   * a reader held some back, or without a thread (the caller tries again later).
   */
  sync(): Promise<boolean> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(false);
    const id = ++this.syncs;
    return new Promise<boolean>((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ sync: id });
    });
  }

  /** Stops the worker (its connection closed) before the hub's connection closes. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    for (const resolve of this.waiting.values()) resolve(false);
    this.waiting.clear();
    if (!worker) return;
    // Held until it has exited: awaiting an unreferenced thread would let a process with nothing else to do end here.
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
  }
}
