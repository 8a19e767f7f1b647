import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/log.js';
import type { MetricWriter } from '../store/writer.js';
import type { MetricPoint } from '../store/types.js';
import { parseLine } from '../store/spool-format.js';

const NAME = /^journal-(\d+)\.jsonl$/;

/**
 * Why: a QoS 1 message is acknowledged to the broker as soon as mqtt.js has handled it (it reads the
 * next packet only then), while the writer batches points in memory for up to `flushMs`. A central
 * instance killed in that window would lose acknowledged messages. Each accepted point is appended to a
 * journal file (a write(2): it survives the process being killed) before its PUBACK goes out; a file is
 * deleted once the writer has flushed every point in it. On start, what is left is replayed (points
 * are idempotent, so a point both journaled and written costs nothing).
 */
export class Journal {
  private fd: number | null = null;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private rotating = false;

  constructor(
    private readonly dir: string,
    private readonly writer: MetricWriter,
    private readonly log: Logger,
    private readonly everyMs = 250,
  ) {}

  /** Replays what a previous run left into the writer, then opens a fresh file. */
  start(): number {
    mkdirSync(this.dir, { recursive: true });
    const files = readdirSync(this.dir)
      .map((f) => ({ f, m: NAME.exec(f) }))
      .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
      .map((x) => ({ path: join(this.dir, x.f), seq: Number(x.m[1]) }))
      .sort((a, b) => a.seq - b.seq);
    let replayed = 0;
    for (const file of files) {
      for (const line of readFileSync(file.path, 'utf8').split('\n')) {
        const p = line === '' ? null : parseLine(line);
        if (p) {
          this.writer.add(p);
          replayed++;
        }
      }
      this.seq = Math.max(this.seq, file.seq);
    }
    if (replayed > 0) this.log.info({ points: replayed }, 'central: points journaled by a previous run replayed');
    this.open(files.map((f) => f.path));
    this.timer = setInterval(() => void this.rotate(), this.everyMs);
    this.timer.unref();
    return replayed;
  }

  append(p: MetricPoint): void {
    if (this.fd === null) return;
    writeSync(this.fd, JSON.stringify(p) + '\n');
  }

  /** Flushes the writer and removes every closed file. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.rotating) await new Promise((r) => setTimeout(r, 10));
    await this.rotate();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    try {
      unlinkSync(join(this.dir, `journal-${this.seq}.jsonl`));
    } catch {
      // nothing was opened
    }
  }

  private open(previous: string[]): void {
    this.seq++;
    this.fd = openSync(join(this.dir, `journal-${this.seq}.jsonl`), 'a');
    this.pending = previous;
  }

  private pending: string[] = [];

  /** Starts a new file; once the writer has flushed every point added so far, the older files go. */
  private async rotate(): Promise<void> {
    if (this.rotating || this.fd === null) return;
    this.rotating = true;
    try {
      const closed = [...this.pending, join(this.dir, `journal-${this.seq}.jsonl`)];
      closeSync(this.fd);
      this.open([]);
      await this.writer.flush();
      // flush() spools to disk when InfluxDB fails: either way the points are safe outside memory.
      for (const f of closed) {
        try {
          unlinkSync(f);
        } catch {
          // already gone
        }
      }
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'central: journal rotation failed');
    } finally {
      this.rotating = false;
    }
  }
}
