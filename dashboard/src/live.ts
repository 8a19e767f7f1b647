import { io, type Socket } from 'socket.io-client';
import { useEffect, useState } from 'preact/hooks';
import type { AlertView, ClientToServerEvents, DeviceEventView, DevicesResponse, DeviceView, ReadingPush, ServerToClientEvents } from '../../shared/events';
import { applyToOpen, sortedOpen } from './alert-list';
import { errorText, fetchAlerts, fetchDevices, fetchMaintenance, fetchInternet, fetchSession, isAbort } from './api';
import { t } from './i18n';
import { setKinds } from './kinds';
import { applyReading, applyState, deviceKey, type Push } from './device-push';
import type { AlertEvent, ConnState, LiveSnapshot } from './live-snapshot';

export type { AlertEvent, ConnState, LiveSnapshot } from './live-snapshot';

const RESTORED_MS = 4000;
const NOTIFY_MS = 100;
/** Without a socket after this long, say the live link is down (the list is shown from REST anyway). */
const NO_SOCKET_MS = 5000;
/** A short blip is not worth greying the page: after this long without the live link, the data is old. */
const STALE_AFTER_MS = 5000;
/** A refused live connection may mean the session ended: asked at most this often. */
const SESSION_CHECK_MS = 10_000;

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
    staleSince: null,
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
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Until when what is shown is known to be current: the last list load, or the moment the link dropped. */
  private freshAt = 0;
  /** `changes` of the last list loaded, and of the socket's hello (null until each is known). */
  private listChanges: number | null = null;
  private helloChanges: number | null = null;
  private sessionCheckedAt = 0;
  /** Started from the page's own list (the first view): the first REST load is not needed. */
  private seeded = false;

  /** `seed`: the device list the page came with (the hub's first view), shown at once. */
  constructor(seed?: DevicesResponse) {
    if (!seed) return;
    setKinds(seed.kinds);
    for (const d of seed.devices) this.devices.set(deviceKey(d.village, d.id), d);
    this.listChanges = seed.changes;
    this.freshAt = Date.now();
    this.seeded = true;
    this.snapshot = { ...this.snapshot, villages: seed.villages, devices: [...this.devices.values()], loading: false, epoch: 1 };
  }

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

  /**
   * Loads the list at once, without waiting for the socket: on a slow phone link its handshake takes
   * several round trips the first tiles need not wait for. The socket's `hello` says how many device
   * changes the hub had pushed when it connected; a list answered before one of them is loaded again.
   */
  start(): void {
    // A seeded list is as new as the page; the socket's hello says whether a change came after it.
    if (this.seeded) void this.loadSide();
    else void this.load();
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: '/socket.io' });
    this.socket = socket;
    socket.on('connect', () => {
      const wasLost = this.everConnected;
      this.everConnected = true;
      this.clearFallback();
      this.setConn(wasLost ? 'restored' : 'live');
      this.helloChanges = null;
      if (wasLost) {
        if (this.restoredTimer) clearTimeout(this.restoredTimer);
        this.restoredTimer = setTimeout(() => this.setConn('live'), RESTORED_MS);
        // The server pushes changes only: any change during the gap is only in the list.
        void this.load();
      }
    });
    socket.on('disconnect', (reason) => {
      this.setConn('lost');
      // After a server-side disconnect socket.io does not retry by itself.
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000);
    });
    socket.on('connect_error', () => {
      if (this.snapshot.conn !== 'connecting') this.setConn('lost');
      // The hub refuses a live connection without a session: if that is why, the login page comes up
      // (a 401 reaches the unauthorized handler); if the hub is just unreachable, nothing changes.
      if (Date.now() - this.sessionCheckedAt > SESSION_CHECK_MS) {
        this.sessionCheckedAt = Date.now();
        fetchSession().catch(() => undefined);
      }
    });
    socket.on('hello', (info) => {
      this.helloChanges = typeof info.changes === 'number' ? info.changes : Number.POSITIVE_INFINITY;
      this.update({ hubVersion: info.version });
      this.reloadIfBehind();
    });
    socket.on('device:state', (change) => this.push({ kind: 'state', change }));
    socket.on('device:reading', (reading) => this.push({ kind: 'reading', reading }));
    socket.on('device:added', (device) => this.push({ kind: 'added', device }));
    socket.on('device:event', (e) => {
      for (const fn of this.eventListeners.get(deviceKey(e.village, e.device)) ?? []) fn(e);
    });
    socket.on('device:removed', (ref) => this.push({ kind: 'removed', ...ref }));
    socket.on('internet', (internet) => this.update({ internet }));
    socket.on('alert', (e) => this.pushAlert(e));
    this.fallbackTimer = setTimeout(() => {
      this.fallbackTimer = null;
      if (!this.everConnected) this.setConn('lost');
    }, NO_SOCKET_MS);
  }

  /**
   * The list (and what loads with it) again when it predates a change the socket was not there to hear,
   * or never loaded. Called when the socket says hello and after a list loaded.
   */
  private reloadIfBehind(): void {
    if (this.loadAbort || this.helloChanges === null) return;
    if (this.listChanges === null || this.listChanges < this.helloChanges) void this.load();
  }

  stop(): void {
    this.socket?.close();
    this.socket = null;
    this.loadAbort?.abort();
    this.sideAbort?.abort();
    this.clearFallback();
    for (const timer of [this.notifyTimer, this.restoredTimer, this.maintenanceTimer, this.staleTimer]) if (timer) clearTimeout(timer);
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
      this.listChanges = typeof res.changes === 'number' ? res.changes : null;
      this.freshAt = Date.now();
      for (const p of this.pending ?? []) this.applyPush(p, false);
      this.pending = null;
      this.update({
        villages: res.villages,
        devices: [...map.values()],
        loading: false,
        error: null,
        epoch: this.snapshot.epoch + 1,
        // Loaded while the live link is down (the retry button): current as of now, old again from now on.
        ...(this.snapshot.staleSince !== null ? { staleSince: this.freshAt } : {}),
      });
    } catch (err) {
      if (isAbort(err)) return;
      this.pending = null;
      this.update({ loading: false, error: t('error.load', { message: errorText(err) }) });
    } finally {
      if (this.loadAbort === abort) this.loadAbort = null;
    }
    if (this.loadAbort === null && !abort.signal.aborted && this.snapshot.error === null) this.reloadIfBehind();
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

  /** A device the hub no longer lists (dismissed here, before the push says so). */
  removeDevice(village: string, device: string): void {
    this.push({ kind: 'removed', village, device });
  }

  private applyPush(p: Push, live: boolean): void {
    if (p.kind === 'removed') {
      this.devices.delete(deviceKey(p.village, p.device));
    } else if (p.kind === 'added') {
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
    const was = this.snapshot.conn;
    if (conn === 'lost' && was !== 'lost') {
      // Live until now; never live: as of the last list load.
      if (was === 'live' || was === 'restored') this.freshAt = Date.now();
      if (this.staleTimer) clearTimeout(this.staleTimer);
      this.staleTimer = setTimeout(() => {
        this.staleTimer = null;
        this.update({ staleSince: this.freshAt });
      }, STALE_AFTER_MS);
    } else if (conn === 'live' || conn === 'restored') {
      if (this.staleTimer) clearTimeout(this.staleTimer);
      this.staleTimer = null;
      if (this.snapshot.staleSince !== null) this.update({ staleSince: null });
    }
    if (was !== conn) this.update({ conn });
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
