import { driverFor } from '../../devices/index.js';
import { timeoutFor, type Config, type DeviceConfig, type DeviceKind } from '../config/schema.js';
import type { AvailabilityState, DeviceRef, ReasonFields } from '../core/domain.js';
import { deviceKey } from '../core/domain.js';
import type { DeviceView, VillageView } from '../../shared/events.js';

/** Unregistered publishers are capped so a misbehaving client cannot grow the registry without bound. */
export const MAX_UNREGISTERED = 1_000;

export interface DeviceEntry extends ReasonFields {
  readonly village: string;
  readonly id: string;
  readonly name: string;
  readonly kind: DeviceKind;
  readonly registered: boolean;
  readonly parent?: string;
  /** Where it is, from the configuration ("Nhà văn hóa thôn"). */
  readonly location?: string;
  readonly timeoutS: number;
  state: AvailabilityState;
  since: number | null;
  cause?: string;
  lastSeen: number | null;
  telemetry: { ts: number; fields: Record<string, number | boolean> } | null;
}

type DeviceFacts = { village: string; id: string; name: string; kind: DeviceKind; parent?: string | undefined; location?: string | undefined };

/** A configured (or announced) device, before anything is known of its state. */
function registeredEntry(d: DeviceFacts, timeoutS: number): DeviceEntry {
  return {
    village: d.village,
    id: d.id,
    name: d.name,
    kind: d.kind,
    registered: true,
    ...(d.parent ? { parent: d.parent } : {}),
    ...(d.location ? { location: d.location } : {}),
    timeoutS,
    state: 'unknown',
    since: null,
    lastSeen: null,
    telemetry: null,
  };
}

/**
 * The live device table: every configured device plus devices that published without being configured
 * ("unregistered", for an admin to adopt). Owned by the composition root, mutated by ingest and availability.
 */
export class DeviceRegistry {
  private readonly entries = new Map<string, DeviceEntry>();
  private readonly villages: VillageView[];
  private unregisteredCount = 0;

  constructor(config: Config) {
    this.villages = config.villages.map((v) => ({
      id: v.id,
      name: v.name,
      timezone: v.timezone,
      ...(v.commune ? { commune: v.commune } : {}),
      ...(v.province ? { province: v.province } : {}),
    }));
    for (const d of config.devices) {
      this.entries.set(deviceKey({ village: d.village, device: d.id }), registeredEntry(d, heartbeatTimeoutS(d)));
    }
  }

  get(ref: DeviceRef): DeviceEntry | undefined {
    return this.entries.get(deviceKey(ref));
  }

  /** Adds a device seen on the wire but absent from config; returns undefined when the cap is reached. */
  addUnregistered(ref: DeviceRef, timeoutS: number): DeviceEntry | undefined {
    const existing = this.get(ref);
    if (existing) return existing;
    if (this.unregisteredCount >= MAX_UNREGISTERED) return undefined;
    const entry: DeviceEntry = {
      village: ref.village,
      id: ref.device,
      name: ref.device,
      kind: 'generic',
      registered: false,
      timeoutS,
      state: 'unknown',
      since: null,
      lastSeen: null,
      telemetry: null,
    };
    this.entries.set(deviceKey(ref), entry);
    this.unregisteredCount++;
    return entry;
  }

  /** Takes an unregistered device out of the table (dismissed); configured devices stay. */
  removeUnregistered(ref: DeviceRef): boolean {
    const entry = this.get(ref);
    if (!entry || entry.registered) return false;
    this.entries.delete(deviceKey(ref));
    this.unregisteredCount--;
    return true;
  }

  /**
   * A village a village hub announced upstream (central mode, its `$hub/inventory`): added, or its names
   * and grouping updated; a configured village keeps what the configuration says.
   */
  learnVillage(v: VillageView, configured: boolean): void {
    const i = this.villages.findIndex((x) => x.id === v.id);
    if (i < 0) this.villages.push(v);
    else if (!configured) this.villages[i] = v;
  }

  /**
   * A device a village hub announced upstream (central mode): registered like a configured one, its live
   * state kept when it is announced again (a rename or a new parent replaces the entry).
   */
  learnDevice(d: DeviceFacts): DeviceEntry {
    const key = deviceKey({ village: d.village, device: d.id });
    const old = this.entries.get(key);
    if (old && !old.registered) this.unregisteredCount--;
    const entry: DeviceEntry = {
      ...registeredEntry(d, timeoutFor({ kind: d.kind })),
      ...(old ? { state: old.state, since: old.since, lastSeen: old.lastSeen, telemetry: old.telemetry } : {}),
      ...(old?.reason ? { reason: old.reason } : {}),
      ...(old?.reasonCode ? { reasonCode: old.reasonCode } : {}),
      ...(old?.reasonParams ? { reasonParams: old.reasonParams } : {}),
      ...(old?.cause ? { cause: old.cause } : {}),
    };
    this.entries.set(key, entry);
    return entry;
  }

  all(): DeviceEntry[] {
    return [...this.entries.values()];
  }

  villageList(): VillageView[] {
    return this.villages;
  }

  static view(e: DeviceEntry): DeviceView {
    return {
      village: e.village,
      id: e.id,
      name: e.name,
      kind: e.kind,
      registered: e.registered,
      ...(e.parent ? { parent: e.parent } : {}),
      ...(e.location ? { location: e.location } : {}),
      state: e.state,
      since: e.since,
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.reasonCode ? { reasonCode: e.reasonCode } : {}),
      ...(e.reasonCode && e.reasonParams ? { reasonParams: e.reasonParams } : {}),
      ...(e.cause ? { cause: e.cause } : {}),
      lastSeen: e.lastSeen,
      timeoutS: e.timeoutS,
      telemetry: e.telemetry,
    };
  }
}

/** Seconds a polled device's heartbeat timeout adds to its slowest healthy round. */
export const POLL_MARGIN_S = 2;

/**
 * The heartbeat timeout of a device: its own `timeoutS`, else the kind's default — raised for a device
 * the hub polls so that a slow but healthy round (interval + every attempt timing out but the last)
 * never reads as silence. The poller reports failures itself, as offline with the reason.
 */
export function heartbeatTimeoutS(d: DeviceConfig): number {
  if (d.timeoutS !== undefined || d.poll === undefined) return timeoutFor(d);
  const parsed = driverFor(d.kind)?.configSchema.safeParse(d.poll);
  if (!parsed?.success) return timeoutFor(d);
  const { intervalS, timeoutS, retries } = parsed.data;
  return Math.max(timeoutFor(d), intervalS + timeoutS * (retries + 1) + POLL_MARGIN_S);
}
