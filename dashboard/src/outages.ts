import type { AvailabilitySpan, AvailabilityState, DeviceView } from '../../shared/events';

/** A stretch shaded on a chart's time axis; `to` null = still going (drawn to the right edge). */
export interface Shade {
  from: number;
  to: number | null;
  state: 'offline' | 'unreachable' | 'maintenance';
}

const SHADED: AvailabilityState[] = ['offline', 'unreachable', 'maintenance'];
const shaded = (s: AvailabilityState): s is Shade['state'] => SHADED.includes(s);

/**
 * The stretches to shade: the stored spans up to the device's current state, then the current state from
 * when it began, drawn on as time passes (the store may not have it yet, and a range ending "now" moves).
 */
export function shadesFor(spans: readonly AvailabilitySpan[], current: Pick<DeviceView, 'state' | 'since'> | null): Shade[] {
  const cut = current?.since ?? null;
  const out: Shade[] = [];
  for (const s of spans) {
    if (!shaded(s.state)) continue;
    const to = cut !== null ? Math.min(s.to, cut) : s.to;
    if (to > s.from) out.push({ from: s.from, to: s.ongoing && cut === null ? null : to, state: s.state });
  }
  if (current && cut !== null && shaded(current.state)) out.push({ from: cut, to: null, state: current.state });
  return out;
}
