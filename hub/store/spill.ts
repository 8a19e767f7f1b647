import type { Entry } from './wal-segment.js';

/**
 * Which points leave the metric writer's memory (writer.ts). Points on disk move to the backlog, to be
 * read back from the spool; points nowhere but in memory ("volatile": their spool commit failed or is
 * under way) stay, and are only lost when memory is over its bound.
 */

/**
 * Picks, oldest first, up to `excess` points that are on disk (committed and not volatile) to move to
 * the backlog. `from`/`to` bound what moved (`to` exclusive); `moved` is 0 when nothing did.
 */
export function spill(
  live: readonly Entry[],
  committed: number,
  volatile: ReadonlySet<number>,
  excess: number,
): { keep: Entry[]; moved: number; from: number; to: number } {
  const keep: Entry[] = [];
  let moved = 0;
  let lastMoved = -1;
  let firstMoved = -1;
  let left = excess;
  for (const e of live) {
    if (left > 0 && e.seq <= committed && !volatile.has(e.seq)) {
      if (firstMoved < 0) firstMoved = e.seq;
      lastMoved = e.seq;
      moved++;
      left--;
    } else keep.push(e);
  }
  return { keep, moved, from: firstMoved, to: lastMoved + 1 };
}

/**
 * The `over` oldest volatile points to lose when memory holds too many: telemetry first; transitions
 * and events go only when no volatile telemetry is left.
 */
export function overflowVictims(live: readonly Entry[], volatile: ReadonlySet<number>, over: number): Set<number> {
  const gone = new Set<number>();
  let left = over;
  for (const pass of ['telemetry', 'other'] as const) {
    for (const e of live) {
      if (left <= 0) break;
      if (!volatile.has(e.seq) || (e.point.measurement === 'telemetry') !== (pass === 'telemetry')) continue;
      gone.add(e.seq);
      left--;
    }
  }
  return gone;
}

/**
 * True when nothing in memory can move to the backlog or be lost now: memory is in sequence order, so
 * when its oldest point is not through a commit yet none is, and with nothing volatile nothing may be
 * dropped. Without this constant-time answer every point added past maxQueued scanned and copied the
 * whole queue until the next commit, which an event loop that busy ran later and later (a central
 * instance stopped storing under a large queued backlog).
 */
export function nothingToSpill(live: readonly Entry[], committed: number, volatile: ReadonlySet<number>): boolean {
  return volatile.size === 0 && (live[0]?.seq ?? Number.POSITIVE_INFINITY) > committed;
}

/**
 * How many more points than needed go when memory is over its bound: a twentieth of maxQueued, so a
 * burst against a full disk (with the store down) drops in chunks instead of scanning the whole queue
 * for every point added.
 */
export function overflowChunk(maxQueued: number): number {
  return Math.floor(maxQueued / 20);
}

/**
 * Every point below this sequence number is in the store: nothing older is still waiting on disk (the
 * backlog), in memory, in the batch being written, or volatile. Spool segments below it can go.
 */
export function lowWater(w: {
  committedThrough: number;
  backlogFrom: number | undefined;
  liveHead: number | undefined;
  inflightHead: number | undefined;
  volatile: Iterable<number>;
}): number {
  let low = w.committedThrough + 1;
  for (const s of [w.backlogFrom, w.liveHead, w.inflightHead]) if (s !== undefined) low = Math.min(low, s);
  for (const s of w.volatile) low = Math.min(low, s);
  return low;
}
