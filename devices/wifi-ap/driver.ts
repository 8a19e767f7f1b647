import { z } from 'zod';
import type { CheckResult, DeviceDriver, DriverInstance } from '../driver.js';
import { clientsPresets, clientsSource, type ClientsSource } from './presets.js';
import { authProtocols, privProtocols, SnmpClient, SnmpError, toBigInt, toNumber, toText, type SnmpCredentials, type Varbind } from './snmp.js';

export const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
export const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
/** IF-MIB ifTable columns (RFC 2863). */
export const IF_DESCR = '1.3.6.1.2.1.2.2.1.2';
export const IF_OPER_STATUS = '1.3.6.1.2.1.2.2.1.8';
export const IF_IN_OCTETS = '1.3.6.1.2.1.2.2.1.10';
export const IF_OUT_OCTETS = '1.3.6.1.2.1.2.2.1.16';
/** IF-MIB ifXTable columns: ifName and the 64-bit octet counters (Counter64). */
export const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';
export const IF_HC_IN_OCTETS = '1.3.6.1.2.1.31.1.1.1.6';
export const IF_HC_OUT_OCTETS = '1.3.6.1.2.1.31.1.1.1.10';

/** ifOperStatus values (RFC 2863); anything but up(1) means the interface does not carry traffic. */
const OPER_STATUS: Record<number, string> = { 1: 'up', 2: 'down', 3: 'testing', 4: 'unknown', 5: 'dormant', 6: 'notPresent', 7: 'lowerLayerDown' };

const oid = z.string().regex(/^\.?\d+(\.\d+)+$/, 'expected a numeric OID such as 1.3.6.1.4.1.11863.10.1.1.1.0');

export const wifiApConfigSchema = z
  .strictObject({
    // A dead AP must be seen offline within 10 s (median under 7 s): at most 3 s until the next check,
    // then two attempts of at most 2 s each (the client's two sends of 0.8 s fit inside each attempt).
    intervalS: z.number().positive().max(86_400).default(3),
    timeoutS: z.number().positive().max(300).default(2),
    retries: z.number().int().min(0).max(10).default(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(161),
    version: z.enum(['v2c', 'v3']).default('v2c'),
    community: z.string().min(1).default('public'),
    user: z.string().min(1).optional(),
    authProtocol: z.enum(authProtocols).default('sha'),
    // RFC 3414 §11.2: pass phrases shorter than 8 characters are not accepted.
    authKey: z.string().min(8, 'expected at least 8 characters (RFC 3414)').optional(),
    privProtocol: z.enum(privProtocols).default('aes'),
    privKey: z.string().min(8, 'expected at least 8 characters (RFC 3414)').optional(),
    /** The interface whose traffic is reported (the WLAN or uplink): its ifIndex, or its ifName/ifDescr. */
    ifIndex: z.number().int().positive().optional(),
    ifName: z.string().min(1).optional(),
    clientsPreset: z.enum(clientsPresets),
    clientsOid: oid.transform((s) => s.replace(/^\./, '')).optional(),
    /** The `extend` name on OpenWrt's snmpd whose one-line output is the client count. */
    clientsExtend: z.string().min(1).max(64).default('clients'),
  })
  .superRefine((s, ctx) => {
    if (s.version === 'v3') {
      for (const key of ['user', 'authKey', 'privKey'] as const) {
        if (s[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `required for SNMP v3 (authPriv)` });
      }
    }
    if (s.ifIndex === undefined && s.ifName === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ifName'], message: 'give the interface to measure: ifName (e.g. wlan0) or ifIndex' });
    } else if (s.ifIndex !== undefined && s.ifName !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['ifIndex'], message: 'give ifName or ifIndex, not both' });
    }
    if (s.clientsPreset === 'custom' && s.clientsOid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['clientsOid'], message: 'required when clientsPreset is "custom"' });
    }
  });

export type WifiApSettings = z.infer<typeof wifiApConfigSchema>;

function credentialsOf(s: WifiApSettings): SnmpCredentials {
  if (s.version === 'v2c') return { version: 'v2c', community: s.community };
  return { version: 'v3', user: s.user ?? '', authProtocol: s.authProtocol, authKey: s.authKey ?? '', privProtocol: s.privProtocol, privKey: s.privKey ?? '' };
}

interface Sample {
  uptimeCs: number;
  atMs: number;
  inOctets: bigint;
  outOctets: bigint;
  bits: 32 | 64;
}

/**
 * Bytes per second between two counter samples, or null when there is no honest answer: a counter
 * that went backwards was reset (interface re-created, e.g. `wifi reload` on OpenWrt) unless it was
 * close to its maximum, which is a wrap.
 */
export function counterRate(prev: bigint, cur: bigint, bits: 32 | 64, seconds: number): number | null {
  if (!(seconds > 0)) return null;
  let delta = cur - prev;
  if (delta < 0n) {
    const mod = 1n << BigInt(bits);
    if (prev < mod - (mod >> 2n)) return null;
    delta += mod;
  }
  return Math.round(Number(delta) / seconds);
}

class WifiApCheck implements DriverInstance {
  private readonly client: SnmpClient;
  private readonly source: ClientsSource;
  private ifIndex: number | null;
  private ifLabel: string | null;
  private prev: Sample | null = null;
  private sysDescr: string | null = null;

  constructor(private readonly s: WifiApSettings) {
    // Two sends per request inside the session, both inside the runner's timeout, so a silent agent
    // gives the readable "timeout after 1 retries" rather than the runner's generic timeout.
    const timeoutMs = Math.max(50, Math.floor((s.timeoutS * 1000 * 0.8) / 2));
    this.client = new SnmpClient({ host: s.host, port: s.port, credentials: credentialsOf(s), timeoutMs, retries: 1 });
    this.source = clientsSource(s.clientsPreset, s);
    this.ifIndex = s.ifIndex ?? null;
    this.ifLabel = s.ifName ?? null;
  }

  check = async (signal: AbortSignal): Promise<CheckResult> => {
    if (this.ifIndex === null) this.ifIndex = await this.resolveIfIndex(signal);
    let r = await this.fetch(this.ifIndex, signal);
    if (!r.values.has(`${IF_OPER_STATUS}.${this.ifIndex}`) && this.s.ifName !== undefined) {
      // Interface indexes may be renumbered after a reboot or a `wifi reload`: look the name up again.
      this.ifIndex = await this.resolveIfIndex(signal);
      r = await this.fetch(this.ifIndex, signal);
    }
    return this.evaluate(this.ifIndex, r.values, r.walked, r.atMs, signal);
  };

  close(): void {
    this.client.close();
  }

  private async fetch(idx: number, signal: AbortSignal): Promise<{ values: Map<string, Varbind>; walked: Varbind[] | null; atMs: number }> {
    const oids = [SYS_UPTIME, `${IF_OPER_STATUS}.${idx}`, `${IF_HC_IN_OCTETS}.${idx}`, `${IF_HC_OUT_OCTETS}.${idx}`, `${IF_IN_OCTETS}.${idx}`, `${IF_OUT_OCTETS}.${idx}`];
    if (this.source.mode !== 'sum') oids.push(this.source.oid);
    if (this.sysDescr === null) oids.push(SYS_DESCR);
    if (this.ifLabel === null) oids.push(`${IF_NAME}.${idx}`, `${IF_DESCR}.${idx}`);
    const [values, walked] = await Promise.all([
      this.client.getSome(oids, signal),
      this.source.mode === 'sum' ? this.client.walk(this.source.oid, signal) : Promise.resolve(null),
    ]);
    return { values, walked, atMs: performance.now() };
  }

  private async evaluate(idx: number, v: Map<string, Varbind>, walked: Varbind[] | null, atMs: number, signal: AbortSignal): Promise<CheckResult> {
    const need = (o: string): Varbind => {
      const vb = v.get(o);
      if (!vb) throw new SnmpError('snmp-no-object', `SNMP: no such object ${o}`, { oid: o });
      return vb;
    };
    const uptimeCs = toNumber(need(SYS_UPTIME));
    const oper = toNumber(need(`${IF_OPER_STATUS}.${idx}`));
    const descr = v.get(SYS_DESCR);
    if (descr) this.sysDescr = toText(descr).trim();
    if (this.ifLabel === null) {
      const named = v.get(`${IF_NAME}.${idx}`) ?? v.get(`${IF_DESCR}.${idx}`);
      this.ifLabel = named ? toText(named).trim() || `ifIndex ${idx}` : `ifIndex ${idx}`;
    }

    const fields: Record<string, number | boolean> = { uptimeS: Math.floor(uptimeCs / 100) };
    fields.clients = await this.clients(v, walked, signal);

    const hcIn = v.get(`${IF_HC_IN_OCTETS}.${idx}`);
    const hcOut = v.get(`${IF_HC_OUT_OCTETS}.${idx}`);
    // Agents without ifXTable (some cheap firmware) only have the 32-bit counters, which wrap every
    // 34 s at 1 Gbit/s; they are still better than nothing at AP speeds and poll intervals.
    const cur: Sample =
      hcIn && hcOut
        ? { uptimeCs, atMs, inOctets: toBigInt(hcIn), outOctets: toBigInt(hcOut), bits: 64 }
        : { uptimeCs, atMs, inOctets: toBigInt(need(`${IF_IN_OCTETS}.${idx}`)), outOctets: toBigInt(need(`${IF_OUT_OCTETS}.${idx}`)), bits: 32 };
    const prev = this.prev;
    this.prev = cur;
    if (prev && prev.bits === cur.bits && cur.uptimeCs >= prev.uptimeCs) {
      // The agent's own clock times the counters; poll latency jitter does not skew the rate.
      const seconds = cur.uptimeCs > prev.uptimeCs ? (cur.uptimeCs - prev.uptimeCs) / 100 : (cur.atMs - prev.atMs) / 1000;
      const rx = counterRate(prev.inOctets, cur.inOctets, cur.bits, seconds);
      const tx = counterRate(prev.outOctets, cur.outOctets, cur.bits, seconds);
      if (rx !== null) fields.rxBps = rx;
      if (tx !== null) fields.txBps = tx;
    }
    // sysUpTime going backwards means the AP (or its agent) restarted: no rate across it.

    const result: CheckResult = { fields, info: { sysDescr: this.sysDescr ?? '', interface: this.ifLabel } };
    if (oper !== 1) {
      const status = OPER_STATUS[oper] ?? `status ${oper}`;
      result.down = {
        code: 'interface-down',
        // "down" goes without saying; other states (dormant, lowerLayerDown…) are named.
        params: oper === 2 ? { iface: this.ifLabel } : { iface: this.ifLabel, status },
        detail: `interface ${this.ifLabel} ${status}`,
      };
    }
    return result;
  }

  private async clients(v: Map<string, Varbind>, walked: Varbind[] | null, signal: AbortSignal): Promise<number> {
    const { oid, mode } = this.source;
    if (mode !== 'sum') {
      const vb = v.get(oid);
      if (vb) return toNumber(vb);
      if (mode === 'get') throw new SnmpError('snmp-no-object', `SNMP: no such object ${oid}`, { oid });
      walked = await this.client.walk(oid, signal);
    }
    if (!walked || walked.length === 0) throw new SnmpError('snmp-no-object', `SNMP: no such object ${oid}`, { oid });
    return walked.reduce((sum, vb) => sum + toNumber(vb), 0);
  }

  private async resolveIfIndex(signal: AbortSignal): Promise<number> {
    const want = this.s.ifName ?? '';
    const seen: string[] = [];
    for (const column of [IF_NAME, IF_DESCR]) {
      const vbs = await this.client.walk(column, signal);
      for (const vb of vbs) {
        const name = toText(vb).trim();
        if (name === want) return Number(vb.oid.slice(column.length + 1));
        if (!seen.includes(name)) seen.push(name);
      }
    }
    throw new SnmpError('interface-missing', `SNMP: no interface named "${want}" (the AP has: ${seen.join(', ') || 'none'})`, { iface: want });
  }
}

export const wifiApDriver: DeviceDriver<WifiApSettings> = {
  kind: 'wifi-ap',
  configSchema: wifiApConfigSchema,
  create: (ctx) => new WifiApCheck(ctx.settings),
};
