import { round, type Model, type Rng } from '../sim/random.js';

export function meetingRoom(g: Rng): Model {
  let displayOffLeft = 0;
  return () => {
    // Someone switching the TV to another input lasts a while, not a single sample.
    if (displayOffLeft > 0) displayOffLeft--;
    else if (g.r() < 0.005) displayOffLeft = 2 + Math.floor(g.r() * 6);
    return { rttMs: round(g.uniform(1, 6), 1), codecOk: g.r() > 0.005, displayOk: displayOffLeft === 0, cameraOk: g.r() > 0.005 };
  };
}
