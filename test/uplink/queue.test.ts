import { appendFileSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../hub/core/log.js';
import { UplinkQueue, type QueueOptions } from '../../hub/uplink/queue.js';
import { segmentPath } from '../../hub/uplink/queue-files.js';
import type { QueuedMessage } from '../../hub/uplink/queue-files.js';

const log = createLogger('silent');
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'langso-uplinkq-'));
  dirs.push(d);
  return d;
}

function queue(dir: string, over: Partial<QueueOptions> = {}): UplinkQueue {
  const q = new UplinkQueue({ dir, maxBytes: 1 << 20, maxAgeMs: 3_600_000, syncEveryMs: 5, fsync: true, now: () => Date.now(), log, ...over });
  q.open();
  return q;
}

const tele = (i: number) => ({ topic: `langso/v/d${i % 3}/telemetry`, payload: JSON.stringify({ ts: 1000 + i, n: i }), retain: false, cls: 'telemetry' as const, key: `v/d${i % 3}` });
const status = (i: number) => ({ topic: `langso/v/d${i % 3}/status`, payload: JSON.stringify({ ts: 1000 + i, state: 'online' }), retain: true, cls: 'keep' as const, key: `v/d${i % 3}` });
const payloads = (q: UplinkQueue) => [...q.messages()].map((m: QueuedMessage) => JSON.parse(m.payload) as { n?: number; ts: number });

describe('uplink queue (on disk, bounded)', () => {
  it('keeps, across a reopen, every message not acknowledged, in order', async () => {
    const dir = await tmp();
    const q = queue(dir);
    const seqs = Array.from({ length: 50 }, (_, i) => q.append(tele(i)).seq);
    for (const s of seqs.slice(0, 20)) q.done(s);
    await q.close();
    const again = queue(dir);
    expect(payloads(again).map((p) => p.n)).toEqual(Array.from({ length: 30 }, (_, i) => i + 20));
    // New sequence numbers continue after the old ones: no acknowledgement can hit a wrong message.
    expect(again.append(tele(99)).seq).toBeGreaterThan(seqs[49] as number);
    await again.close();
  });

  it('is on disk once the group commit is done, without close (a power cut after it loses nothing)', async () => {
    const dir = await tmp();
    const q = queue(dir);
    for (let i = 0; i < 10; i++) q.append(tele(i));
    await q.commit();
    // No close: a second reader sees what the first one committed.
    const other = queue(dir);
    expect(payloads(other).map((p) => p.n)).toEqual([...Array(10).keys()]);
    await q.close();
    await other.close();
  });

  it('drops the oldest telemetry first when over maxBytes, and keeps status/events/alerts', async () => {
    const dir = await tmp();
    const dropped: QueuedMessage[] = [];
    const q = queue(dir, { maxBytes: 64 * 1024, onDrop: (m) => dropped.push(m) });
    q.append(status(0));
    for (let i = 0; i < 2000; i++) q.append(tele(i));
    q.append(status(1));
    const s = q.stats();
    expect(s.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((m) => m.cls === 'telemetry')).toBe(true);
    // The oldest went: what is left is the newest telemetry, in order, and both statuses.
    const left = [...q.messages()];
    expect(left.filter((m) => m.cls === 'keep')).toHaveLength(2);
    const ns = left.filter((m) => m.cls === 'telemetry').map((m) => (JSON.parse(m.payload) as { n: number }).n);
    expect(ns[ns.length - 1]).toBe(1999);
    expect(ns).toEqual([...ns].sort((a, b) => a - b));
    expect(Math.min(...ns)).toBe((JSON.parse((dropped[dropped.length - 1] as QueuedMessage).payload) as { n: number }).n + 1);
    await q.close();
    // The drops are durable too.
    const again = queue(dir, { maxBytes: 64 * 1024 });
    expect(again.size).toBe(left.length);
    await again.close();
  });

  it('drops the oldest of the rest only when no telemetry is left', async () => {
    const dir = await tmp();
    const dropped: QueuedMessage[] = [];
    const q = queue(dir, { maxBytes: 64 * 1024, onDrop: (m) => dropped.push(m) });
    for (let i = 0; i < 1500; i++) q.append(status(i));
    expect(dropped.length).toBeGreaterThan(0);
    expect(q.stats().bytes).toBeLessThanOrEqual(64 * 1024);
    expect((JSON.parse((dropped[0] as QueuedMessage).payload) as { ts: number }).ts).toBe(1000);
    await q.close();
  });

  it('drops telemetry older than maxAgeS, never the rest', async () => {
    const dir = await tmp();
    let now = 1_000_000;
    const q = queue(dir, { maxAgeMs: 60_000, now: () => now });
    q.append(status(0));
    q.append(tele(1));
    now += 61_000;
    q.append(tele(2));
    expect(q.expire()).toBe(0);
    expect(payloads(q).map((p) => p.ts)).toEqual([1000, 1002]);
    await q.close();
  });

  it('cuts a torn last line (a crash in the middle of a write) and reads the rest', async () => {
    const dir = await tmp();
    const q = queue(dir);
    for (let i = 0; i < 5; i++) q.append(tele(i));
    await q.close();
    const seg = readdirSync(dir).find((f) => f.startsWith('q-')) as string;
    appendFileSync(path.join(dir, seg), '{"s":99,"t":"langso/v/d0/tele');
    const again = queue(dir);
    expect(payloads(again).map((p) => p.n)).toEqual([0, 1, 2, 3, 4]);
    expect(again.bad).toBe(0);
    await again.close();
  });

  it('keeps messages it could not write (a disk error) and writes them with the next commit', async () => {
    const dir = await tmp();
    const events: string[] = [];
    const q = queue(dir, { onError: () => events.push('error'), onRecovered: () => events.push('recovered') });
    // The file the next commit opens cannot be opened (a folder stands in its way).
    mkdirSync(segmentPath(dir, 0));
    for (let i = 0; i < 5; i++) q.append(tele(i));
    await expect(q.commit()).rejects.toThrow();
    expect(q.lastError).toMatch(/EISDIR/);
    rmdirSync(segmentPath(dir, 0));
    q.append(tele(5));
    await q.commit();
    expect(q.lastError).toBeNull();
    expect(events).toEqual(['error', 'recovered']);
    const other = queue(dir);
    expect(payloads(other).map((p) => p.n)).toEqual([0, 1, 2, 3, 4, 5]);
    await q.close();
    await other.close();
  });

  it('deletes its files once everything in them was acknowledged', async () => {
    const dir = await tmp();
    const q = queue(dir, { segmentBytes: 2048 });
    const seqs: number[] = [];
    for (let i = 0; i < 200; i++) {
      seqs.push(q.append(tele(i)).seq);
      // Each commit writes to the open file; past segmentBytes the next commit starts a new one.
      if (i % 20 === 19) await q.commit();
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('q-')).length).toBeGreaterThan(3);
    for (const s of seqs) q.done(s);
    await q.commit();
    await q.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('q-')).length).toBeLessThanOrEqual(1);
    const again = queue(dir);
    expect(again.size).toBe(0);
    await again.close();
  });
});
