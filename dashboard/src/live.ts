import { io, type Socket } from 'socket.io-client';
import { useEffect, useState } from 'preact/hooks';
import type {
  AlertChange,
  AlertView,
  ClientToServerEvents,
  DeviceEventView,
  DeviceView,
  MaintenanceWindowView,
  ReadingPush,
  ServerToClientEvents,
  StateChange,
  InternetView,
  VillageView,
} from '../../shared/events';
import { applyToOpen, sortedOpen } from './alert-list';
import { errorText, fetchAlerts, fetchDevices, fetchMaintenance, fetchInternet, isAbort } from './api';
import { t } from './i18n';
import { setKinds } from './kinds';

/**
 * connecting: before the first socket connection; live: connected; lost: disconnected, retrying;
 * restored: reconnected a moment ago (shown briefly, then back to live).
 */
export type ConnState = 'connecting' | 'live' | 'lost' | 'restored';

export interface LiveSnapshot {
  conn: ConnState;
  /** True until the first list load finishes (successfully or not). */
  loading: boolean;
  /** The last list load failed with this message; the previous list, if any, stays shown. */
  error: string | null;
  villages: VillageView[];
  devices: DeviceView[];
  /** Increments on every successful list load, so views can refetch what they may have missed. */
  epoch: number;
  hubVersion: string | null;
  /** The village's internet link; null until the hub has told. */
  internet: InternetView | null;
  /** Open alerts (firing and acknowledged), firing and most severe first. */
  alerts: AlertView[];
  /** False until the open alerts were loaded once (the badge waits for it). */
  alertsLoaded: boolean;
  /** Maintenance windows, for the note of a device in maintenance. */
  maintenance: MaintenanceWindowView[];
}

export type AlertEvent = { change: AlertChange; alert: AlertView };

type Push = { kind: 'state'; change: StateChange } | { kind: 'reading'; reading: ReadingPush } | { kind: 'added'; device: DeviceView };

export const deviceKey = (village: string, device: string): string => `${village}/${device}`;

const RESTORED_MS = 4000;
const NOTIFY_MS = 100;
/** Without a socket after this long, load the list by REST anyway so the page is not empty. */
const FALLBACK_LOAD_MS = 5000;

/** Applies a state change unless the list already holds a newer state. */
function applyState(d: DeviceView, c: StateChange): DeviceView {
  if (d.since !== null && c.ts < d.since) return d;
  const next: DeviceView = { ...d, state: c.state, since: c.ts };
  if (c.reason !== undefined) next.reason = c.reason;
  else delete next.reason;
  if (c.reasonCode !== undefined) next.reasonCode = c.reasonCode;
  else delete next.reasonCode;
  if (c.reasonParams !== undefined) next.reasonParams = c.reasonParams;
  else delete next.reasonParams;
  // Only a message from the device brings it online, so that is also a sighting.
  if (c.state === 'online') next.lastSeen = Math.max(d.lastSeen ?? 0, c.ts);
  return next;
}

function applyReading(d: DeviceView, r: ReadingPush): DeviceView {
  const lastSeen = Math.max(d.lastSeen ?? 0, r.ts);
  if (d.telemetry && r.ts < d.telemetry.ts) return { ...d, lastSeen };
  // Fields absent from this message keep their last value, as the latest-values table expects.
  const fields = { ...(d.telemetry?.fields ?? {}), ...r.fields };
  return { ...d, lastSeen, telemetry: { ts: r.ts, fields } };
}

export class LiveStore {
  private snapshot: LiveSnapshot = {
    conn: 'connecting',
    loading: true,
    error: null,
    villages: [],
    devices: [],
    epoch: 0,
    hubVersion: null,
    internet: null,
    alerts: [],
    alertsLoaded: false,
    maintenance: [],
  };
  private devices = new Map<string, DeviceView>();
  private openAlerts = new Map<number, AlertView>();
  /** Alert pushes received while the open list is loading, replayed onto its result. */
  private alertsPending: AlertView[] | null = null;
  private alertListeners = new Set<(e: AlertEvent) => void>();
  private sideAbort: AbortController | null = null;
  private maintenanceTimer: ReturnType<typeof setTimeout> | null = null;
  private listeners = new Set<(s: LiveSnapshot) => void>();
  private readingListeners = new Map<string, Set<(r: ReadingPush) => void>>();
  private eventListeners = new Map<string, Set<(e: DeviceEventView) => void>>();
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  /** Pushes received while a list load is in flight, replayed onto its result. */
  private pending: Push[] | null = null;
  private loadAbort: AbortController | null = null;
  private notifyTimer: ReturnType<typeof setTimeout> | null = null;
  private restoredTimer: ReturnType<typeof setTimeout> | null = null;
  private fallbackTimer: ReturnType<typeof setTimeout> | null = null;
  private everConnected = false;

  get current(): LiveSnapshot {
    return this.snapshot;
  }

  subscribe(fn: (s: LiveSnapshot) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Live readings of one device, for charts that append points. */
  onReading(village: string, device: string, fn: (r: ReadingPush) => void): () => void {
    const key = deviceKey(village, device);
    let set = this.readingListeners.get(key);
    if (!set) this.readingListeners.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.readingListeners.delete(key);
    };
  }

  /** Events of one device as they are pushed, for its event list. */
  onDeviceEvent(village: string, device: string, fn: (e: DeviceEventView) => void): () => void {
    const key = deviceKey(village, device);
    let set = this.eventListeners.get(key);
    if (!set) this.eventListeners.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.eventListeners.delete(key);
    };
  }

  /** Every alert change as pushed, for views that keep their own lists (history). */
  onAlert(fn: (e: AlertEvent) => void): () => void {
    this.alertListeners.add(fn);
    return () => this.alertListeners.delete(fn);
  }

  /** An alert as a REST answer returned it (after acknowledging): shown at once, before the push. */
  applyAlert(alert: AlertView): void {
    applyToOpen(this.openAlerts, alert);
    this.update({ alerts: sortedOpen(this.openAlerts) });
  }

  start(): void {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: '/socket.io' });
    this.socket = socket;
    socket.on('connect', () => {
      const wasLost = this.everConnected;
      this.everConnected = true;
      this.clearFallback();
      this.setConn(wasLost ? 'restored' : 'live');
      if (wasLost) {
        if (this.restoredTimer) clearTimeout(this.restoredTimer);
        this.restoredTimer = setTimeout(() => this.setConn('live'), RESTORED_MS);
      }
      // On the first connection and every reconnection: the server pushes changes only, so any
      // change during the gap is only in the list.
      void this.load();
    });
    socket.on('disconnect', (reason) => {
      this.setConn('lost');
      // After a server-side disconnect socket.io does not retry by itself.
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000);
    });
    socket.on('connect_error', () => {
      if (this.snapshot.conn !== 'connecting') this.setConn('lost');
    });
    socket.on('hello', (info) => this.update({ hubVersion: info.version }));
    socket.on('device:state', (change) => this.push({ kind: 'state', change }));
    socket.on('device:reading', (reading) => this.push({ kind: 'reading', reading }));
    socket.on('device:added', (device) => this.push({ kind: 'added', device }));
    socket.on('device:event', (e) => {
      for (const fn of this.eventListeners.get(deviceKey(e.village, e.device)) ?? []) fn(e);
    });
    socket.on('internet', (internet) => this.update({ internet }));
    socket.on('alert', (e) => this.pushAlert(e));
    this.fallbackTimer = setTimeout(() => {
      this.fallbackTimer = null;
      if (this.everConnected) return;
      this.setConn('lost');
      void this.load();
    }, FALLBACK_LOAD_MS);
  }

  stop(): void {
    this.socket?.close();
    this.socket = null;
    this.loadAbort?.abort();
    this.sideAbort?.abort();
    this.clearFallback();
    for (const timer of [this.notifyTimer, this.restoredTimer, this.maintenanceTimer]) if (timer) clearTimeout(timer);
  }

  /** Loads the full list by REST; also the retry button's action. */
  async load(): Promise<void> {
    void this.loadSide();
    this.loadAbort?.abort();
    const abort = new AbortController();
    this.loadAbort = abort;
    this.pending = [];
    try {
      const res = await fetchDevices(abort.signal);
      setKinds(res.kinds);
      const map = new Map<string, DeviceView>();
      for (const d of res.devices) map.set(deviceKey(d.village, d.id), d);
      this.devices = map;
      for (const p of this.pending ?? []) this.applyPush(p, false);
      this.pending = null;
      this.update({
        villages: res.villages,
        devices: [...map.values()],
        loading: false,
        error: null,
        epoch: this.snapshot.epoch + 1,
      });
    } catch (err) {
      if (isAbort(err)) return;
      this.pending = null;
      this.update({ loading: false, error: t('error.load', { message: errorText(err) }) });
    } finally {
      if (this.loadAbort === abort) this.loadAbort = null;
    }
  }

  /**
   * What every page shows besides devices: open alerts, the internet, maintenance notes. Each loads on its
   * own: a failure leaves the previous value (the device list carries the visible error).
   */
  private async loadSide(): Promise<void> {
    this.sideAbort?.abort();
    const abort = new AbortController();
    this.sideAbort = abort;
    this.alertsPending = [];
    const alerts = fetchAlerts({ status: 'open', limit: 500 }, abort.signal).then(
      (res) => {
        if (abort.signal.aborted) return;
        const open = new Map<number, AlertView>();
        for (const a of res.alerts) open.set(a.id, a);
        for (const a of this.alertsPending ?? []) applyToOpen(open, a);
        this.openAlerts = open;
        this.alertsPending = null;
        this.update({ alerts: sortedOpen(open), alertsLoaded: true });
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        this.alertsPending = null;
        if (!isAbort(err)) console.warn('alerts', err);
      },
    );
    const internet = fetchInternet(abort.signal).then(
      (u) => {
        // A push during the request is newer than this answer when its state began later.
        const known = this.snapshot.internet;
        if (!known || u.since >= known.since) this.update({ internet: u });
      },
      (err: unknown) => {
        if (!isAbort(err)) console.warn('internet', err);
      },
    );
    await Promise.all([alerts, internet, this.loadMaintenance(abort.signal)]);
  }

  /** Loads the maintenance windows now; resolves with the error text when that failed, else null. */
  async reloadMaintenance(): Promise<string | null> {
    return this.loadMaintenance();
  }

  private async loadMaintenance(signal?: AbortSignal): Promise<string | null> {
    try {
      const res = await fetchMaintenance(signal);
      this.update({ maintenance: res.windows });
      return null;
    } catch (err) {
      if (isAbort(err)) return null;
      console.warn('maintenance', err);
      return errorText(err);
    }
  }

  /** Windows were added or removed, or a device entered or left one: refresh the notes. */
  refreshMaintenance(): void {
    if (this.maintenanceTimer) clearTimeout(this.maintenanceTimer);
    this.maintenanceTimer = setTimeout(() => {
      this.maintenanceTimer = null;
      void this.loadMaintenance();
    }, 300);
  }

  private pushAlert(e: AlertEvent): void {
    if (this.alertsPending) this.alertsPending.push(e.alert);
    applyToOpen(this.openAlerts, e.alert);
    this.update({ alerts: sortedOpen(this.openAlerts) });
    for (const fn of this.alertListeners) fn(e);
  }

  private push(p: Push): void {
    if (p.kind === 'state' && (p.change.state === 'maintenance' || p.change.from === 'maintenance')) this.refreshMaintenance();
    if (this.pending) this.pending.push(p);
    this.applyPush(p, true);
  }

  private applyPush(p: Push, live: boolean): void {
    if (p.kind === 'added') {
      const key = deviceKey(p.device.village, p.device.id);
      if (!this.devices.has(key)) this.devices.set(key, p.device);
    } else if (p.kind === 'state') {
      const key = deviceKey(p.change.village, p.change.device);
      const d = this.devices.get(key);
      if (d) this.devices.set(key, applyState(d, p.change));
    } else {
      const key = deviceKey(p.reading.village, p.reading.device);
      const d = this.devices.get(key);
      if (d) this.devices.set(key, applyReading(d, p.reading));
      if (live) for (const fn of this.readingListeners.get(key) ?? []) fn(p.reading);
    }
    if (live) this.scheduleDevices();
  }

  /** Coalesces bursts of pushes into one re-render. */
  private scheduleDevices(): void {
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      this.update({ devices: [...this.devices.values()] });
    }, NOTIFY_MS);
  }

  private setConn(conn: ConnState): void {
    if (conn !== 'restored' && this.restoredTimer) {
      clearTimeout(this.restoredTimer);
      this.restoredTimer = null;
    }
    if (this.snapshot.conn !== conn) this.update({ conn });
  }

  private clearFallback(): void {
    if (this.fallbackTimer) clearTimeout(this.fallbackTimer);
    this.fallbackTimer = null;
  }

  private update(patch: Partial<LiveSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const fn of this.listeners) fn(this.snapshot);
  }
}

export function useLive(store: LiveStore): LiveSnapshot {
  const [snap, set] = useState(store.current);
  useEffect(() => {
    set(store.current);
    return store.subscribe(set);
  }, [store]);
  return snap;
}
