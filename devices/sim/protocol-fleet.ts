import { systemClock, type Clock } from '../../hub/core/clock.js';
import type { DeviceConfig, VillageConfig } from '../../hub/config/schema.js';
import { onvifCameraSettingsSchema } from '../onvif-camera/driver.js';
import { Scene, startSimulatedCamera, type CameraFault, type SimulatedCamera } from '../onvif-camera/simulator/index.js';
import { wifiApConfigSchema } from '../wifi-ap/driver.js';
import { startSimulatedAp, type SimulatedAp } from '../wifi-ap/simulator.js';
import type { SimRuntime } from './device.js';
import { wifiAp } from '../wifi-ap/sim-model.js';
import { rng, type Model, type Rng } from './random.js';

/**
 * The demo's polled devices, for real: for every camera and AP of the configuration whose `poll:`
 * block points at a loopback address, a protocol simulator (ONVIF + RTSP + snapshots, or an SNMP
 * agent) listens where the block says, so the hub's own pollers check it exactly as they would check
 * hardware. Random failures and recoveries, like the MQTT fleet's, are faults of those simulators;
 * a failed parent (router, switch) takes its polled children down with it.
 *
 * A camera's RTSP server listens on its ONVIF port + RTSP_PORT_OFFSET. Devices on other addresses
 * are real ones and are left alone.
 */

export const RTSP_PORT_OFFSET = 50;
export const cameraSimFaults = ['down', 'stream-dead', 'black', 'frozen'] as const;
export const apSimFaults = ['down', 'reboot', 'interface-down'] as const;
export type CameraSimFault = (typeof cameraSimFaults)[number];
export type ApSimFault = (typeof apSimFaults)[number];
export type ProtocolFault = CameraSimFault | ApSimFault;

/** `sim` also paces how often an AP's load changes. */
export interface ProtocolFleetOptions extends SimRuntime {
  villages: readonly VillageConfig[];
  devices: readonly DeviceConfig[];
}

interface Member {
  village: string;
  device: DeviceConfig;
  camera: SimulatedCamera | null;
  ap: SimulatedAp | null;
  model: Model | null;
  fault: ProtocolFault | null;
  isolatedBy: number;
  /** What the simulator currently shows (the member's fault, or `down` while isolated). */
  applied: ProtocolFault | null;
  /** Fault changes are applied one at a time (a camera's listeners open and close asynchronously). */
  chain: Promise<void>;
  timers: { failure: NodeJS.Timeout | null; recover: NodeJS.Timeout | null };
}

const MAX_DELAY_MS = 2_147_483_647;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export class ProtocolFleet {
  private readonly members = new Map<string, Member>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly g: Rng;
  private loadTimer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly opts: ProtocolFleetOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.g = rng(this.random);
  }

  /** Starts a simulator for every loopback-polled camera and AP; one that cannot listen is logged and skipped. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const starts = this.opts.devices.map(async (d, i) => {
      try {
        // A picture cycle of its own per camera (each JPEG is encoded once, on first request).
        const m = await this.startOne(d, new Scene({ width: 320, height: 180, seed: i + 1 }));
        if (m) this.members.set(key(d.village, d.id), m);
      } catch (err) {
        this.opts.log.warn({ device: `${d.village}/${d.id}`, err: (err as Error).message }, 'cannot start the protocol simulator; the poller will find nothing there');
      }
    });
    await Promise.all(starts);
    for (const m of this.members.values()) this.scheduleFailure(m);
    this.updateLoad();
    if (this.members.size > 0) {
      this.opts.log.info({ cameras: this.list('camera').length, aps: this.list('ap').length }, 'protocol simulators started');
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.loadTimer) this.clock.clearTimeout(this.loadTimer);
    this.loadTimer = null;
    const all = [...this.members.values()];
    this.members.clear();
    for (const m of all) this.clearTimers(m);
    await Promise.all(
      all.map(async (m) => {
        await m.chain;
        await m.camera?.close();
        await m.ap?.close();
      }),
    );
  }

  get size(): number {
    return this.members.size;
  }

  camera(village: string, device: string): SimulatedCamera | undefined {
    return this.members.get(key(village, device))?.camera ?? undefined;
  }

  ap(village: string, device: string): SimulatedAp | undefined {
    return this.members.get(key(village, device))?.ap ?? undefined;
  }

  has(village: string, device: string): boolean {
    return this.members.has(key(village, device));
  }

  /** The device's own fault (not counting a parent's failure), null when healthy. */
  fault(village: string, device: string): ProtocolFault | null {
    return this.get(village, device).fault;
  }

  /** Starts a failure now; resolves false if the device is already failing. */
  async failNow(village: string, device: string, fault: ProtocolFault, durationS?: number): Promise<boolean> {
    const m = this.get(village, device);
    const allowed: readonly string[] = m.camera ? cameraSimFaults : apSimFaults;
    if (!allowed.includes(fault)) throw new Error(`fault "${fault}" does not apply to ${m.device.kind}: expected ${allowed.join(', ')}`);
    if (m.fault) return false;
    this.clearTimers(m);
    m.fault = fault;
    const [lo, hi] = this.opts.failureDurationS ?? [20, 120];
    const seconds = durationS ?? this.g.uniform(lo, hi);
    m.timers.recover = this.clock.setTimeout(() => {
      m.timers.recover = null;
      void this.recoverNow(village, device);
    }, Math.min(MAX_DELAY_MS, seconds * 1000));
    this.opts.log.info({ device: key(village, device), fault, seconds: Math.round(seconds) }, 'simulated failure');
    await this.apply(m);
    return true;
  }

  /** Ends the device's failure now; resolves false if it had none. */
  async recoverNow(village: string, device: string): Promise<boolean> {
    const m = this.members.get(key(village, device));
    if (!m || !m.fault) return false;
    this.clearTimers(m);
    const was = m.fault;
    m.fault = null;
    this.opts.log.info({ device: key(village, device), fault: was }, 'simulated recovery');
    await this.apply(m);
    this.scheduleFailure(m);
    return true;
  }

  /** A parent (router, switch) failed or came back: the device is cut off while any ancestor is down. */
  isolate(village: string, device: string, isolated: boolean): void {
    const m = this.members.get(key(village, device));
    if (!m) return;
    if (isolated) m.isolatedBy++;
    else if (m.isolatedBy > 0) m.isolatedBy--;
    void this.apply(m);
  }

  stats(): { cameras: number; aps: number; failing: number; isolated: number } {
    const all = [...this.members.values()];
    return {
      cameras: this.list('camera').length,
      aps: this.list('ap').length,
      failing: all.filter((m) => m.fault).length,
      isolated: all.filter((m) => m.isolatedBy > 0).length,
    };
  }

  private list(kind: 'camera' | 'ap'): Member[] {
    return [...this.members.values()].filter((m) => (kind === 'camera' ? m.camera : m.ap));
  }

  private get(village: string, device: string): Member {
    const m = this.members.get(key(village, device));
    if (!m) throw new Error(`no protocol simulator for "${device}" in village "${village}"`);
    return m;
  }

  private async startOne(d: DeviceConfig, scene: Scene): Promise<Member | null> {
    if (!d.poll) return null;
    const base = { village: d.village, device: d, model: null, fault: null, isolatedBy: 0, applied: null, chain: Promise.resolve(), timers: { failure: null, recover: null } };
    if (d.kind === 'onvif-camera') {
      const s = onvifCameraSettingsSchema.safeParse(d.poll);
      if (!s.success) return null;
      const url = new URL(s.data.xaddr);
      if (!isLoopback(url.hostname)) return null;
      const port = Number(url.port || 80);
      const camera = await startSimulatedCamera({
        name: d.name,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port,
        rtspPort: port + RTSP_PORT_OFFSET,
        ...(s.data.username ? { username: s.data.username, password: s.data.password ?? '' } : {}),
        scene,
      });
      if (camera.xaddr !== s.data.xaddr) {
        this.opts.log.warn({ device: `${d.village}/${d.id}`, configured: s.data.xaddr, simulated: camera.xaddr }, 'the simulated camera serves another path than the configured xaddr');
      }
      return { ...base, camera, ap: null };
    }
    if (d.kind === 'wifi-ap') {
      const s = wifiApConfigSchema.safeParse(d.poll);
      if (!s.success || !isLoopback(s.data.host)) return null;
      const p = s.data;
      const interfaces = ['lo', 'eth0', 'wlan0'];
      if (p.ifName && !interfaces.includes(p.ifName)) interfaces.push(p.ifName);
      const ap = await startSimulatedAp({
        address: p.host === 'localhost' ? '127.0.0.1' : p.host,
        port: p.port,
        community: p.community,
        interfaces,
        extendName: p.clientsExtend,
        ...(p.clientsOid?.endsWith('.0') ? { customClientsOid: p.clientsOid } : {}),
        ...(p.version === 'v3' && p.user && p.authKey && p.privKey
          ? { v3: { user: p.user, authProtocol: p.authProtocol, authKey: p.authKey, privProtocol: p.privProtocol, privKey: p.privKey } }
          : {}),
      });
      return { ...base, camera: null, ap, model: wifiAp(rng(this.random), d) };
    }
    return null;
  }

  /** Brings the simulator in line with the member's state; changes queue behind each other. */
  private apply(m: Member): Promise<void> {
    m.chain = m.chain.then(async () => {
      if (!this.running && m.applied === null) return;
      const want: ProtocolFault | null = m.isolatedBy > 0 ? 'down' : m.fault;
      const was = m.applied;
      if (want === was) return;
      m.applied = want;
      try {
        if (m.camera) await m.camera.setFault((want as CameraFault | null) ?? null);
        if (m.ap) {
          const silent = want === 'down' || want === 'reboot';
          // A reboot ends with the AP answering again, its uptime and counters from zero.
          if (was === 'reboot' && !silent) m.ap.fault('reboot');
          m.ap.fault(silent ? 'down' : 'up');
          m.ap.set({ oper: want === 'interface-down' ? 'down' : 'up' });
        }
      } catch (err) {
        this.opts.log.warn({ device: key(m.village, m.device.id), err: (err as Error).message }, 'cannot apply a simulated fault');
      }
    });
    return m.chain;
  }

  /** Exponential gaps: failures arrive as a Poisson process with mean failureEveryS. */
  private scheduleFailure(m: Member): void {
    if (this.opts.randomFailures === false || !this.running) return;
    if (m.timers.failure) this.clock.clearTimeout(m.timers.failure);
    const delay = -Math.log(1 - this.random()) * this.opts.sim.failureEveryS * 1000;
    m.timers.failure = this.clock.setTimeout(() => {
      m.timers.failure = null;
      const faults = m.camera ? cameraSimFaults : apSimFaults;
      void this.failNow(m.village, m.device.id, this.g.pick(faults));
    }, Math.min(MAX_DELAY_MS, Math.max(1, delay)));
  }

  /** APs follow the village day: clients and traffic from the fleet's AP model. */
  private updateLoad(): void {
    if (!this.running) return;
    const now = this.clock.now();
    for (const m of this.members.values()) {
      if (!m.ap || !m.model) continue;
      const village = this.opts.villages.find((v) => v.id === m.village);
      const f = m.model({ hour: localHour(now, village?.timezone ?? 'Asia/Ho_Chi_Minh'), uptimeS: 0, everyS: this.opts.sim.telemetryEveryS });
      m.ap.set({ clients: Number(f.clients), rxBps: Number(f.rxBps), txBps: Number(f.txBps) });
    }
    this.loadTimer = this.clock.setTimeout(() => this.updateLoad(), Math.min(MAX_DELAY_MS, this.opts.sim.telemetryEveryS * 1000));
  }

  private clearTimers(m: Member): void {
    for (const k of ['failure', 'recover'] as const) {
      const t = m.timers[k];
      if (t) this.clock.clearTimeout(t);
      m.timers[k] = null;
    }
  }
}

function key(village: string, device: string): string {
  return `${village}/${device}`;
}

/** Fractional local hour in a time zone (an unknown zone reads as Vietnam's). */
function localHour(ms: number, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(ms);
  } catch {
    return localHour(ms, 'Asia/Ho_Chi_Minh');
  }
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') + get('minute') / 60;
}
