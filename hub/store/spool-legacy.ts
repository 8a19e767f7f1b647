import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseLine, SPOOL_NAME } from './spool-format.js';
import type { Wal } from './wal.js';

/**
 * A spool of an older version (JSON lines, `spool-<n>.jsonl`): its points are appended to the log, and
 * its files deleted once that commit is on disk. Returns the sequence numbers the points got.
 */
export function adoptOldSpool(dir: string, wal: Wal): { from: number; to: number } {
  const files = readdirSync(dir)
    .map((name) => ({ name, m: SPOOL_NAME.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]));
  const from = wal.nextSeq;
  if (files.length === 0) return { from, to: from };
  for (const f of files) {
    for (const line of readFileSync(join(dir, f.name), 'utf8').split('\n')) {
      const p = line.trim() === '' ? null : parseLine(line);
      if (p) wal.append(p);
    }
  }
  void wal.commit().then(() => {
    if (wal.lastError) return;
    for (const f of files) unlinkSync(join(dir, f.name));
  });
  return { from, to: wal.nextSeq };
}
