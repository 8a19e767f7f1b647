import { bump, clamp, round, type Model, type Rng } from '../sim/random.js';

export function pc(g: Rng): Model {
  let mem = g.uniform(40, 60);
  let diskFree = g.uniform(45, 70);
  return ({ hour, uptimeS }) => {
    const office = Math.max(bump(hour, 9.5, 1.5), bump(hour, 15, 1.5), 0.8 * bump(hour, 20, 1.5));
    const spike = g.r() < 0.05 ? g.uniform(0.2, 0.5) : 0;
    mem = clamp(mem + g.noise(1.5) + (45 + 25 * office - mem) * 0.1, 20, 95);
    diskFree = clamp(diskFree - g.r() * 0.002, 5, 100);
    const cpuLoad = round(clamp(0.04 + 0.35 * office + spike + g.noise(0.04), 0, 1), 2);
    return { cpuLoad, memUsedPct: round(mem, 1), diskFreePct: round(diskFree, 1), uptimeS: Math.round(uptimeS) };
  };
}
