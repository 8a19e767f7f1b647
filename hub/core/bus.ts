import type { Logger } from './log.js';
import type { Alert, AlertChange, AvailabilityState, DeviceEvent, DeviceRef, IngestError, Reading, ReasonFields, StatusReport, Transition, InternetState } from './domain.js';

/** Every event that crosses module boundaries inside the hub (DESIGN.md §1). */
export interface BusEvents {
  reading: Reading;
  status: StatusReport;
  'device-event': DeviceEvent;
  /**
   * A device message the hub accepted, as its parsed JSON with `ts` always present (the device's own,
   * else the time the hub received it); emitted after the message's own events. The uplink forwards it.
   */
  accepted: DeviceRef & { channel: 'status' | 'telemetry' | 'event'; ts: number; body: Record<string, unknown> };
  /** Any valid message from a device: feeds heartbeat timers and last-seen. */
  seen: DeviceRef & { ts: number };
  transition: Transition;
  /**
   * A device's reason changed while its state did not (an offline camera now refuses the password where
   * its stream was refused before). Not a transition: nothing is stored or alerted, only shown.
   */
  reason: DeviceRef & ReasonFields & { state: AvailabilityState; since: number | null };
  /** A device not in config published a valid message for the first time. */
  unregistered: DeviceRef & { ts: number; topic: string };
  /** An admin dismissed an unregistered device: it leaves the registry until it publishes again. */
  'device-dismissed': DeviceRef & { ts: number };
  'ingest-error': IngestError;
  /**
   * A device started or stopped flapping (too many changes of its own in the window): `outages` of them
   * took it down; `since` is the first change in the window.
   */
  flapping: DeviceRef & { ts: number; flapping: boolean; changes: number; outages: number; since?: number };
  /** The hub's Internet link changed state (one link for every village of the hub). */
  internet: InternetState;
  /**
   * An alert fired, was acknowledged, escalated or resolved. `quiet`: recorded and shown, but nobody is
   * notified of this change (another message tells it, e.g. an outage folded into a flapping alert).
   */
  alert: { change: AlertChange; alert: Alert; ts: number; quiet?: boolean };
}

type Listener<K extends keyof BusEvents> = (payload: BusEvents[K]) => void;
type AnyListener = { event: keyof BusEvents; fn: (payload: never) => void };

/**
 * Synchronous typed event bus. Listeners are keyed by owner so a module's stop() removes exactly its own.
 * A throwing listener is logged and does not stop delivery to the others.
 */
export class Bus {
  private readonly listeners = new Map<keyof BusEvents, Array<{ owner: string; fn: (payload: never) => void }>>();
  private readonly byOwner = new Map<string, AnyListener[]>();

  /** `onError` receives what a listener threw (counted and shown by /api/health); without it, it is logged. */
  constructor(
    private readonly log: Logger,
    private readonly onError?: (err: unknown, owner: string, event: keyof BusEvents) => void,
  ) {}

  on<K extends keyof BusEvents>(owner: string, event: K, fn: Listener<K>): void {
    const list = this.listeners.get(event) ?? [];
    list.push({ owner, fn: fn as (payload: never) => void });
    this.listeners.set(event, list);
    const owned = this.byOwner.get(owner) ?? [];
    owned.push({ event, fn: fn as (payload: never) => void });
    this.byOwner.set(owner, owned);
  }

  offOwner(owner: string): void {
    for (const { event } of this.byOwner.get(owner) ?? []) {
      const list = this.listeners.get(event);
      if (list) this.listeners.set(event, list.filter((l) => l.owner !== owner));
    }
    this.byOwner.delete(owner);
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const { owner, fn } of list) {
      try {
        (fn as Listener<K>)(payload);
      } catch (err) {
        if (this.onError) this.onError(err, owner, event);
        else this.log.error({ err, owner, event }, 'bus listener failed');
      }
    }
  }

  listenerCount(event: keyof BusEvents): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}
