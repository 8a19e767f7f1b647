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
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(run, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  private worker: Worker | null = null;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly everyMs = 1_000,
  ) {}

  /** Starts the worker and leaves the hub's connection only the fallback checkpoints. */
  start(db: Database.Database): void {
    if (this.file === ':memory:' || this.worker) return;
    const lib = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER, { eval: true, workerData: { lib, file: this.file, everyMs: this.everyMs } });
    worker.on('message', (m: { error?: string }) => {
      if (m.error) this.log.warn({ err: m.error }, 'sqlite: WAL checkpoint failed; tried again in a moment');
    });
    worker.on('error', (err) => {
      this.log.error({ err: err.message }, 'sqlite: the WAL checkpoint thread stopped; the hub checkpoints by itself');
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
      this.worker = null;
    });
    // After the listeners (a message listener holds the thread again): a hub that stops is not kept alive by it.
    worker.unref();
    db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_FALLBACK}`);
    this.worker = worker;
  }

  /** Stops the worker (its connection closed) before the hub's connection closes. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    // Held until it has exited: awaiting an unreferenced thread would let a process with nothing else to do end here.
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
  }
}
