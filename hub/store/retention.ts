/** Retention durations as the config writes them (`12h`, `30d`, `104w`); 0 keeps forever, as in InfluxDB. */

/** A config duration in ms. */
export function durationMs(spec: string): number {
  const m = /^(\d+)([hdw])$/.exec(spec);
  if (!m) throw new Error(`invalid duration "${spec}": expected e.g. 12h, 30d or 104w`);
  const unit = { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
