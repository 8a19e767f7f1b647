import type { Counters } from './counters.js';
import type { Logger } from './log.js';

/** One kind of recoverable failure, as `/api/health` shows it. */
export interface Problem {
  /** What failed: `state-db`, `listen.broker.port`, `broker`, `timer`, … */
  source: string;
  message: string;
  /** First failure of this run of failures (ms since epoch). */
  since: number;
  lastAt: number;
  count: number;
}

/** A problem not seen again for this long is over (the hub shows `ok` again). */
export const PROBLEM_FORGET_MS = 5 * 60_000;
/** The same problem is logged at most this often; the lines in between are counted, not written. */
const LOG_EVERY_MS = 30_000;

export interface FaultsDeps {
  counters: Counters;
  log: Logger;
  now: () => number;
  /** Applied to every message kept or logged (an error may quote a URL with credentials). */
  redact?: (text: string) => string;
}

/** The readable text of anything thrown, with SQLite's or the OS's error code when there is one. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const text = err.message || err.name;
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

/** An error from SQLite (better-sqlite3): a full disk, a read-only file, a locked database. */
export function isSqliteError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return err.name === 'SqliteError' || (typeof code === 'string' && code.startsWith('SQLITE_'));
}

/**
 * Recoverable failures the hub lives through (a listener's accept error, a read-only or full state
 * database in a timer, an aedes error): each is counted (`errors.<source>` in /api/health), logged
 * without flooding the log, and shown as a reason while it lasts, so health says `degraded` instead
 * of the process dying.
 */
export class Faults {
  private readonly problems = new Map<string, Problem>();
  private readonly logged = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly deps: FaultsDeps) {}

  report(source: string, err: unknown): void {
    const { counters, log, now, redact } = this.deps;
    const at = now();
    const raw = describeError(err);
    const message = redact ? redact(raw) : raw;
    counters.inc(`errors.${source}`);
    const p = this.problems.get(source);
    if (p && at - p.lastAt <= PROBLEM_FORGET_MS) {
      p.message = message;
      p.lastAt = at;
      p.count++;
    } else {
      this.problems.set(source, { source, message, since: at, lastAt: at, count: 1 });
    }
    const l = this.logged.get(source);
    if (l && at - l.at < LOG_EVERY_MS) {
      l.suppressed++;
      return;
    }
    log.error({ module: 'hub', source, err: message, ...(l?.suppressed ? { repeated: l.suppressed } : {}) }, 'recoverable error; the hub goes on');
    this.logged.set(source, { at, suppressed: 0 });
  }

  /** The source works again (its next success): the problem is over now rather than after PROBLEM_FORGET_MS. */
  clear(source: string): void {
    if (!this.problems.delete(source)) return;
    this.logged.delete(source);
    this.deps.log.info({ module: 'hub', source }, 'recovered');
  }

  /** Problems seen within the last PROBLEM_FORGET_MS, oldest first. */
  active(): Problem[] {
    const at = this.deps.now();
    const out: Problem[] = [];
    for (const [source, p] of this.problems) {
      if (at - p.lastAt > PROBLEM_FORGET_MS) this.problems.delete(source);
      else out.push({ ...p });
    }
    return out.sort((a, b) => a.since - b.since);
  }
}
