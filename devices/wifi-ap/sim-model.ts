import type { DeviceConfig } from '../../hub/config/schema.js';
import { bump, clamp, type Model, type Rng } from '../sim/random.js';

/** Where an AP stands decides when people gather around it. */
export function apDemand(device: DeviceConfig): (hour: number) => number {
  const text = `${device.id} ${device.name} ${device.location ?? ''}`.toLowerCase();
  if (text.includes('van-hoa') || text.includes('văn hóa') || text.includes('văn hoá')) {
    // A few staff and visitors in office hours; evenings 18–22 people come to do online administrative procedures.
    return (h) => 1.5 + 5 * clamp(Math.min(h - 7.5, 17.5 - h), 0, 1) + 28 * bump(h, 20, 1.6);
  }
  if (text.includes('the-thao') || text.includes('thể thao')) return (h) => 1 + 4 * bump(h, 6.5, 1) + 14 * bump(h, 17.5, 1.3);
  return (h) => 1 + 5 * bump(h, 7, 1.2) + 6 * bump(h, 18.5, 1.5);
}

export function wifiAp(g: Rng, device: DeviceConfig): Model {
  const demand = apDemand(device);
  let clients = demand(12);
  let primed = false;
  return ({ hour, uptimeS }) => {
    const target = demand(hour);
    // Phones come and go gradually; jump straight to the target on the first sample.
    clients = primed ? clamp(clients + (target - clients) * 0.3 + g.noise(0.5 + target * 0.08), 0, 80) : target;
    primed = true;
    const n = Math.round(clients);
    const txBps = Math.round(n * g.uniform(20_000, 150_000) + g.uniform(2_000, 20_000));
    const rxBps = Math.round(txBps * g.uniform(0.08, 0.25) + g.uniform(1_000, 5_000));
    return { clients: n, rxBps, txBps, uptimeS: Math.round(uptimeS) };
  };
}
