import { describe, expect, it } from 'vitest';
import { guardedClock, systemClock, type Clock } from '../../hub/core/clock.js';
import { Counters } from '../../hub/core/counters.js';
import { describeError, Faults, isSqliteError, PROBLEM_FORGET_MS } from '../../hub/core/faults.js';
import { createLogger } from '../../hub/core/log.js';

function setup() {
  const lines: string[] = [];
  const log = createLogger('info', { write: (s: string) => void lines.push(s) });
  let now = 1_000_000;
  const counters = new Counters();
  const faults = new Faults({ counters, log, now: () => now, redact: (t) => t.replaceAll('s3cret', '***') });
  return { faults, counters, lines, advance: (ms: number) => (now += ms) };
}

describe('faults', () => {
  it('counts every failure, keeps the latest message, and logs a storm once with the count of the rest', () => {
    const { faults, counters, lines, advance } = setup();
    for (let i = 0; i < 50; i++) faults.report('listen.broker.port', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    expect(counters.get('errors.listen.broker.port')).toBe(50);
    expect(faults.active()).toEqual([{ source: 'listen.broker.port', message: 'accept EMFILE', since: 1_000_000, lastAt: 1_000_000, count: 50 }]);
    expect(lines).toHaveLength(1);
    advance(31_000);
    faults.report('listen.broker.port', new Error('accept EMFILE'));
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ source: 'listen.broker.port', repeated: 49, msg: 'recoverable error; the hub goes on' });
  });

  it('a problem is over when its source recovers, or when it has not recurred for a while', () => {
    const { faults, advance } = setup();
    faults.report('store', new Error('a'));
    faults.report('state-db', new Error('b'));
    faults.clear('store');
    expect(faults.active().map((p) => p.source)).toEqual(['state-db']);
    advance(PROBLEM_FORGET_MS + 1);
    expect(faults.active()).toEqual([]);
  });

  it('messages are redacted; SQLite and OS error codes are named', () => {
    const { faults } = setup();
    faults.report('timer', new Error('GET http://x/s3cret failed'));
    expect(faults.active()[0]?.message).toBe('GET http://x/*** failed');
    const sqlite = Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });
    expect(isSqliteError(sqlite)).toBe(true);
    expect(isSqliteError(new Error('x'))).toBe(false);
    expect(describeError(sqlite)).toBe('database or disk is full (SQLITE_FULL)');
    expect(describeError('plain')).toBe('plain');
  });

  it('a guarded clock hands what a timer callback throws to onError, and the process goes on', async () => {
    const errors: unknown[] = [];
    const clock: Clock = guardedClock(systemClock, (err) => errors.push(err));
    let after = false;
    await new Promise<void>((resolve) => {
      clock.setTimeout(() => {
        throw new Error('SQLITE_READONLY');
      }, 1);
      const iv = clock.setInterval(() => {
        clock.clearInterval(iv);
        after = true;
        resolve();
        throw new Error('from an interval');
      }, 5);
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(after).toBe(true);
    expect(errors.map((e) => (e as Error).message)).toEqual(['SQLITE_READONLY', 'from an interval']);
  });
});
