import { clamp, daylight, round, type Model, type Rng } from '../sim/random.js';

export function camera(g: Rng): Model {
  const driftPerSample = g.uniform(-0.01, 0.01);
  let drift = g.uniform(-2, 2);
  let frozenLeft = 0;
  let luma = 128;
  let snapshotAgeS = 0;
  return ({ hour, everyS }) => {
    drift += driftPerSample + g.noise(0.01);
    if (frozenLeft > 0) frozenLeft--;
    else if (g.r() < 0.004) frozenLeft = 3 + Math.floor(g.r() * 8);
    const frozen = frozenLeft > 0;
    // Night means the IR mode's dark grey picture; a frozen stream keeps repeating its last frame.
    if (!frozen) luma = clamp(Math.round(25 + 115 * daylight(hour) + g.noise(8)), 0, 255);
    const streamOk = g.r() > 0.01;
    const snapshotOk = g.r() > 0.01;
    snapshotAgeS = snapshotOk ? g.uniform(0.2, 1) * everyS : snapshotAgeS + everyS;
    const spike = g.r() < 0.03 ? g.uniform(20, 150) : 0;
    const rttMs = round(g.uniform(2, 9) + spike, 1);
    return { rttMs, streamOk, snapshotOk, snapshotAgeS: round(snapshotAgeS, 1), clockDriftS: round(drift, 2), imageLuma: luma, frozen };
  };
}
