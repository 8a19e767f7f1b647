import type { HubContext } from '../context.js';
import type { DeviceRef } from '../core/domain.js';

export type DismissResult = { result: 'dismissed'; at: number } | { result: 'missing' } | { result: 'registered' };

/**
 * Unregistered devices an admin dismissed (a test board, a device renamed since): they leave the list and
 * the header counts. The dismissal is kept in the state database with its time. A device comes back —
 * and its dismissal is forgotten — when it publishes after the dismissal: a message received later and,
 * if it carries its own `ts`, dated later. Older messages (a backlog flushed with its original times, a
 * status replayed by a bridge) are dropped, also after a restart. To keep a device out for good, stop
 * it or turn on broker authentication (its ACL refuses unknown devices).
 */
export class Dismissals {
  constructor(private readonly ctx: Pick<HubContext, 'state' | 'devices' | 'bus' | 'clock' | 'log'>) {}

  dismiss(ref: DeviceRef, by: string | null): DismissResult {
    const { devices, state, bus, clock, log } = this.ctx;
    const entry = devices.get(ref);
    if (!entry) return { result: 'missing' };
    if (entry.registered) return { result: 'registered' };
    const at = clock.now();
    devices.removeUnregistered(ref);
    state
      .prepare(
        `INSERT INTO dismissed_devices (village, device, dismissed_at, dismissed_by) VALUES (?, ?, ?, ?)
         ON CONFLICT (village, device) DO UPDATE SET dismissed_at = excluded.dismissed_at, dismissed_by = excluded.dismissed_by`,
      )
      .run(ref.village, ref.device, at, by);
    log.info({ village: ref.village, device: ref.device, by }, 'unregistered device dismissed');
    bus.emit('device-dismissed', { ...ref, ts: at });
    return { result: 'dismissed', at };
  }

  /** When the device was dismissed (ms since 1970), or null if it is not. */
  dismissedAt(ref: DeviceRef): number | null {
    const row = this.ctx.state.prepare('SELECT dismissed_at FROM dismissed_devices WHERE village = ? AND device = ?').get(ref.village, ref.device) as
      | { dismissed_at: number }
      | undefined;
    return row?.dismissed_at ?? null;
  }

  /**
   * May a message from this unconfigured device, received at `receivedAt` and dated `ts`, list it again?
   * Yes when it was never dismissed, or when the message is newer than the dismissal (which is then forgotten).
   */
  admits(ref: DeviceRef, ts: number, receivedAt: number): boolean {
    const at = this.dismissedAt(ref);
    if (at === null) return true;
    if (receivedAt <= at || ts <= at) return false;
    this.ctx.state.prepare('DELETE FROM dismissed_devices WHERE village = ? AND device = ?').run(ref.village, ref.device);
    return true;
  }
}
