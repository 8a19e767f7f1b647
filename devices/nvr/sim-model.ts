import { round, type Model, type Rng } from '../sim/random.js';

/** A recorder on the LAN: a steady few ms, now and then a busy moment while it writes. */
export function nvr(g: Rng): Model {
  return ({ uptimeS }) => ({
    rttMs: round(g.uniform(0.5, 3) + (g.r() < 0.03 ? g.uniform(5, 40) : 0), 1),
    webOk: g.r() > 0.002,
    uptimeS: Math.round(uptimeS),
  });
}
