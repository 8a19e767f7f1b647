import { describe, expect, it } from 'vitest';
import { AckQueue } from '../../hub/store/acks.js';

describe('AckQueue', () => {
  it('answers, at each commit, exactly the messages whose points it covers — in order or not', () => {
    const q = new AckQueue();
    const answered: string[] = [];
    const add = (name: string, from: number, to: number) => q.add(from, to, (err) => answered.push(err ? `${name}!` : name));
    add('a', 1, 2);
    add('b', 3, 3);
    add('c', 4, 6);
    q.settle(3);
    expect(answered).toEqual(['a', 'b']);
    // Out of order: a message numbered before the one waiting.
    add('d', 7, 9);
    add('e', 0, 0);
    q.settle(6);
    expect(answered).toEqual(['a', 'b', 'c', 'e']);
    q.settle(9);
    expect(answered).toEqual(['a', 'b', 'c', 'e', 'd']);
    expect(q.size).toBe(0);
    // Back in order once empty; a volatile point holds its message back until the store has it.
    add('f', 10, 11);
    add('g', 12, 12);
    q.volatile.add(11);
    q.settle(12);
    expect(answered.slice(5)).toEqual(['g']);
    q.volatile.delete(11);
    q.settle(12);
    expect(answered.slice(5)).toEqual(['g', 'f']);
  });
});
