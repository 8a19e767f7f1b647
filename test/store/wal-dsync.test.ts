import { constants, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../hub/core/log.js';
import { Wal } from '../../hub/store/wal.js';

/** The open flags (from /proc) of this process' descriptor of `file`; null when it has none open. */
function openFlags(file: string): number | null {
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== file) continue;
    const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m ? parseInt(m[1] as string, 8) : null;
  }
  return null;
}

/**
 * With fsync on, a group commit is one synchronous write (the segment open with O_DSYNC): its data is on
 * disk when the write returns, without a second trip for fdatasync. With fsync off, plain appends.
 */
describe.runIf(process.platform === 'linux')('spool segments and synchronous writes', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const fsync of [true, false]) {
    it(`fsync ${fsync}: the segment is open ${fsync ? 'with' : 'without'} O_DSYNC, and a commit keeps every point`, async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'langso-wal-'));
      const wal = new Wal({ dir, fsync, syncEveryMs: 5, segmentBytes: 1 << 20, now: Date.now, log: createLogger('silent') });
      const commits: number[] = [];
      wal.onCommit = (r) => {
        expect(r.failed).toBeNull();
        commits.push(r.through);
      };
      wal.open();
      for (let i = 0; i < 3; i++) wal.append({ measurement: 'telemetry', village: 'dong-cam', device: 'ap-1', kind: 'wifi-ap', ts: 1_764_460_800_000 + i, fields: { clients: i } });
      await wal.commit();
      expect(commits).toEqual([2]);
      const seg = wal.segments[0];
      expect(seg?.points).toBe(3);
      const flags = openFlags(seg!.path);
      expect(flags).not.toBeNull();
      expect((flags! & constants.O_DSYNC) !== 0).toBe(fsync);
      expect((flags! & constants.O_APPEND) !== 0).toBe(true);
      expect(readFileSync(seg!.path, 'utf8').trim().split('\n')).toHaveLength(3);
      await wal.close();
    });
  }
});
