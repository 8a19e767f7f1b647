import type { Logger } from './log.js';
import type { Alert, AlertChange, DeviceEvent, DeviceRef, IngestError, Reading, StatusReport, Transition, InternetState } from './domain.js';

/** Every event that crosses module boundaries inside the hub (DESIGN.md §1). */
export interface BusEvents {
  reading: Reading;
  status: StatusReport;
  'device-event': DeviceEvent;
  /** Any valid message from a device: feeds heartbeat timers and last-seen. */
  seen: DeviceRef & { ts: number };
  transition: Transition;
  /** A device not in config published a valid message for the first time. */
  unregistered: DeviceRef & { ts: number; topic: string };
  /** An admin dismissed an unregistered device: it leaves the registry until it publishes again. */
  'device-dismissed': DeviceRef & { ts: number };
  'ingest-error': IngestError;
  /** A device started or stopped flapping (too many transitions in the window). */
  flapping: DeviceRef & { ts: number; flapping: boolean; changes: number };
  /** The village's internet link changed state. */
  internet: InternetState;
  /** An alert fired, was acknowledged, escalated or resolved. */
  alert: { change: AlertChange; alert: Alert; ts: number };
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

  constructor(private readonly log: Logger) {}

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
        this.log.error({ err, owner, event }, 'bus listener failed');
      }
    }
  }

  listenerCount(event: keyof BusEvents): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}
