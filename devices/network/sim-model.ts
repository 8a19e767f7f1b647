import { round, type Model, type Rng } from '../sim/random.js';

export function network(g: Rng, lo: number, hi: number): Model {
  return ({ uptimeS }) => ({ rttMs: round(g.uniform(lo, hi) + (g.r() < 0.02 ? g.uniform(10, 80) : 0), 1), uptimeS: Math.round(uptimeS) });
}
