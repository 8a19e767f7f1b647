import dgram from 'node:dgram';
import snmp, { type Agent, type Mib, type TableColumn } from 'net-snmp';
import { SYS_DESCR, SYS_UPTIME } from './driver.js';
import { NS_EXTEND_OUTPUT_1_LINE, TPLINK_EAP_CLIENTS, UNIFI_VAP_NUM_STATIONS } from './presets.js';
import type { authProtocols, privProtocols } from './snmp.js';

/**
 * A simulated access point: a net-snmp agent on its own UDP port serving the objects the wifi-ap
 * poller reads — system group, IF-MIB ifTable/ifXTable (64-bit counters as 8-byte Buffers, which the
 * agent needs: TESTING.md §SNMP), and the client count of every preset — with counters driven by a
 * clock the test controls. One socket and a small MIB each, so a few hundred fit in one process.
 */

export interface SimulatedApOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  address?: string;
  community?: string;
  v3?: {
    user: string;
    authProtocol?: (typeof authProtocols)[number];
    authKey: string;
    privProtocol?: (typeof privProtocols)[number];
    privKey: string;
  };
  sysDescr?: string;
  /** Interface names, ifIndex 1..n. Default lo, eth0, wlan0. */
  interfaces?: string[];
  clients?: number;
  /** The OpenWrt extend name the client count is served under. */
  extendName?: string;
  /** An extra scalar instance OID (ending in .0) serving the client count, for `custom`. */
  customClientsOid?: string;
}

export interface SimulatedApState {
  clients?: number;
  /** Which interface the rates, counters and status below apply to (default wlan0, else the last). */
  iface?: string;
  rxBps?: number;
  txBps?: number;
  oper?: 'up' | 'down';
  rxOctets?: bigint;
  txOctets?: bigint;
  sysDescr?: string;
}

export type SimulatedApFault = 'down' | 'up' | 'reboot';

export interface SimulatedAp {
  readonly port: number;
  set(state: SimulatedApState): void;
  /** Moves the AP's clock forward: uptime and every counter advance as if `seconds` had passed. */
  advance(seconds: number): void;
  /** down = stop answering (a dead AP); up = answer again; reboot = uptime and counters start from 0. */
  fault(f: SimulatedApFault): void;
  /** Requests answered / dropped (muted or refused credentials). */
  stats(): { answered: number; dropped: number };
  close(): Promise<void>;
}

const RO = snmp.MaxAccess['read-only'];
const NA = snmp.MaxAccess['not-accessible'];
const T = snmp.ObjectType;
const M64 = (1n << 64n) - 1n;
const base = (instanceOid: string): string => instanceOid.replace(/\.0$/, '');
/** Table providers sit at the table's entry OID (…Table.1), as net-snmp's agent expects. */
const col = (number: number, name: string, type: number, maxAccess = RO): TableColumn => ({ number, name, type, maxAccess });

interface Iface {
  index: number;
  name: string;
  oper: 1 | 2;
  rxBps: number;
  txBps: number;
  /** Counter values at `atMs` of the AP clock; they grow by the rates from there. */
  rx: bigint;
  tx: bigint;
  atMs: number;
}

function counter64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v & M64);
  return b;
}

function registerMib(mib: Mib, o: SimulatedApOptions): void {
  mib.registerProviders([
    { name: 'sysDescr', type: snmp.MibProviderType.Scalar, oid: base(SYS_DESCR), scalarType: T.OctetString, maxAccess: RO },
    { name: 'sysUpTime', type: snmp.MibProviderType.Scalar, oid: base(SYS_UPTIME), scalarType: T.TimeTicks, maxAccess: RO },
    { name: 'sysName', type: snmp.MibProviderType.Scalar, oid: '1.3.6.1.2.1.1.5', scalarType: T.OctetString, maxAccess: RO },
    { name: 'ifNumber', type: snmp.MibProviderType.Scalar, oid: '1.3.6.1.2.1.2.1', scalarType: T.Integer, maxAccess: RO },
    {
      name: 'ifTable',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.2.1.2.2.1',
      maxAccess: RO,
      tableColumns: [
        col(1, 'ifIndex', T.Integer),
        col(2, 'ifDescr', T.OctetString),
        col(3, 'ifType', T.Integer),
        col(5, 'ifSpeed', T.Gauge),
        col(7, 'ifAdminStatus', T.Integer),
        col(8, 'ifOperStatus', T.Integer),
        col(10, 'ifInOctets', T.Counter),
        col(16, 'ifOutOctets', T.Counter),
      ],
      tableIndex: [{ columnName: 'ifIndex' }],
    },
    {
      name: 'ifXTable',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.2.1.31.1.1.1',
      maxAccess: RO,
      tableColumns: [col(1, 'ifName', T.OctetString), col(6, 'ifHCInOctets', T.Counter64), col(10, 'ifHCOutOctets', T.Counter64), col(15, 'ifHighSpeed', T.Gauge)],
      tableAugments: 'ifTable',
    },
    {
      name: 'nsExtendConfigTable',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.4.1.8072.1.3.2.2.1',
      maxAccess: RO,
      tableColumns: [col(1, 'nsExtendToken', T.OctetString, NA), col(2, 'nsExtendCommand', T.OctetString)],
      tableIndex: [{ columnName: 'nsExtendToken' }],
    },
    {
      name: 'nsExtendOutput1Table',
      type: snmp.MibProviderType.Table,
      oid: NS_EXTEND_OUTPUT_1_LINE.replace(/\.1$/, ''),
      maxAccess: RO,
      tableColumns: [col(1, 'nsExtendOutput1Line', T.OctetString), col(3, 'nsExtendOutNumLines', T.Integer), col(4, 'nsExtendResult', T.Integer)],
      tableIndex: [{ columnName: 'nsExtendToken', foreign: 'nsExtendConfigTable' }],
    },
    {
      name: 'unifiVapTable',
      type: snmp.MibProviderType.Table,
      oid: UNIFI_VAP_NUM_STATIONS.replace(/\.8$/, ''),
      maxAccess: RO,
      tableColumns: [col(1, 'unifiVapIndex', T.Integer), col(6, 'unifiVapEssId', T.OctetString), col(8, 'unifiVapNumStations', T.Integer), col(9, 'unifiVapRadio', T.OctetString)],
      tableIndex: [{ columnName: 'unifiVapIndex' }],
    },
    { name: 'tplinkEapClients', type: snmp.MibProviderType.Scalar, oid: base(TPLINK_EAP_CLIENTS), scalarType: T.Integer, maxAccess: RO },
  ]);
  if (o.customClientsOid) {
    mib.registerProvider({ name: 'customClients', type: snmp.MibProviderType.Scalar, oid: base(o.customClientsOid), scalarType: T.Gauge, maxAccess: RO });
  }
}

export async function startSimulatedAp(o: SimulatedApOptions = {}): Promise<SimulatedAp> {
  const names = o.interfaces ?? ['lo', 'eth0', 'wlan0'];
  const ifaces: Iface[] = names.map((name, i) => ({ index: i + 1, name, oper: 1, rxBps: 0, txBps: 0, rx: 0n, tx: 0n, atMs: 0 }));
  const extend = o.extendName ?? 'clients';
  let bootedAt = performance.now();
  let offsetMs = 0;
  let muted = false;
  let clients = o.clients ?? 0;
  let answered = 0;
  let dropped = 0;
  let socket: dgram.Socket | null = null;

  const clock = (): number => performance.now() - bootedAt + offsetMs;
  const valueAt = (i: Iface, now: number): { rx: bigint; tx: bigint } => {
    const dt = Math.max(0, now - i.atMs) / 1000;
    return { rx: (i.rx + BigInt(Math.floor(i.rxBps * dt))) & M64, tx: (i.tx + BigInt(Math.floor(i.txBps * dt))) & M64 };
  };
  /** Folds the growth so far into the stored values, so a rate change applies from now on. */
  const fold = (i: Iface, now: number): void => {
    const v = valueAt(i, now);
    i.rx = v.rx;
    i.tx = v.tx;
    i.atMs = now;
  };

  // The agent's socket is ours: bound where we say (net-snmp turns port 0 into 161), muted on `down`,
  // and the dynamic objects refreshed just before each request is parsed.
  const dgramModule = {
    createSocket(type: 'udp4' | 'udp6'): dgram.Socket {
      const s = dgram.createSocket(type);
      const bind = s.bind.bind(s) as (port: number, address: string) => dgram.Socket;
      const on = s.on.bind(s) as (event: string, listener: (...args: unknown[]) => void) => dgram.Socket;
      Object.assign(s, {
        bind: () => bind(o.port ?? 0, o.address ?? '127.0.0.1'),
        on: (event: string, listener: (...args: unknown[]) => void) =>
          on(event, (...args: unknown[]) => {
            if (event === 'message') {
              if (muted) {
                dropped++;
                return;
              }
              refresh();
              answered++;
            }
            listener(...args);
          }),
      });
      socket = s;
      return s;
    },
  };

  const agent: Agent = snmp.createAgent({ port: o.port || 161, dgramModule }, (error) => {
    // Unknown community or user: net-snmp reports it here and sends nothing, like a real agent.
    if (error) {
      answered--;
      dropped++;
    }
  });
  const mib = agent.getMib();
  registerMib(mib, o);
  const auth = agent.getAuthorizer();
  auth.addCommunity(o.community ?? 'public');
  if (o.v3) {
    auth.addUser({
      name: o.v3.user,
      level: snmp.SecurityLevel.authPriv,
      authProtocol: snmp.AuthProtocols[o.v3.authProtocol ?? 'sha'],
      authKey: o.v3.authKey,
      privProtocol: snmp.PrivProtocols[o.v3.privProtocol ?? 'aes'],
      privKey: o.v3.privKey,
    });
  }

  mib.setScalarValue('sysDescr', o.sysDescr ?? 'Linux OpenWrt 5.15.137 #0 SMP mips (simulated)');
  mib.setScalarValue('sysName', 'ap-sim');
  mib.setScalarValue('sysUpTime', 0);
  mib.setScalarValue('ifNumber', ifaces.length);
  for (const i of ifaces) {
    const wireless = i.name.startsWith('wlan') || i.name.startsWith('ath') || i.name.startsWith('ra');
    mib.addTableRow('ifTable', [i.index, i.name, i.name === 'lo' ? 24 : wireless ? 71 : 6, 1_000_000_000, 1, i.oper, 0, 0]);
    mib.addTableRow('ifXTable', [i.index, i.name, counter64(0n), counter64(0n), 1000]);
  }
  mib.addTableRow('nsExtendConfigTable', [extend, '/bin/sh -c "iwinfo wlan0 assoclist | grep -c dBm"']);
  mib.addTableRow('nsExtendOutput1Table', [extend, '0', 1, 0]);
  mib.addTableRow('unifiVapTable', [1, 'LangSo-Free', 0, 'ng']);
  mib.addTableRow('unifiVapTable', [2, 'LangSo-Free', 0, 'na']);
  mib.setScalarValue('tplinkEapClients', 0);

  const showClients = (): void => {
    const n = Math.max(0, Math.round(clients));
    mib.setTableSingleCell('nsExtendOutput1Table', 1, [extend], String(n));
    // UniFi counts per VAP; the 2.4 GHz radio usually carries most village phones.
    const ng = Math.ceil(n * 0.6);
    mib.setTableSingleCell('unifiVapTable', 8, [1], ng);
    mib.setTableSingleCell('unifiVapTable', 8, [2], n - ng);
    mib.setScalarValue('tplinkEapClients', n);
    if (o.customClientsOid) mib.setScalarValue('customClients', n);
  };
  showClients();

  function refresh(): void {
    const now = clock();
    mib.setScalarValue('sysUpTime', Math.floor(now / 10) % 2 ** 32);
    for (const i of ifaces) {
      const v = valueAt(i, now);
      mib.setTableSingleCell('ifXTable', 6, [i.index], counter64(v.rx));
      mib.setTableSingleCell('ifXTable', 10, [i.index], counter64(v.tx));
      mib.setTableSingleCell('ifTable', 10, [i.index], Number(v.rx & 0xffffffffn));
      mib.setTableSingleCell('ifTable', 16, [i.index], Number(v.tx & 0xffffffffn));
    }
  }

  await new Promise<void>((resolve, reject) => {
    const s = socket;
    if (!s) return reject(new Error('simulated AP: no socket was created'));
    s.once('listening', () => resolve());
    s.once('error', reject);
  });
  const port = (socket as unknown as dgram.Socket).address().port;

  const pick = (name?: string): Iface => {
    const found = ifaces.find((i) => i.name === (name ?? 'wlan0')) ?? (name ? undefined : ifaces[ifaces.length - 1]);
    if (!found) throw new Error(`simulated AP has no interface ${name ?? ''}`);
    return found;
  };

  return {
    port,
    set(p) {
      const now = clock();
      if (p.clients !== undefined) {
        clients = p.clients;
        showClients();
      }
      if (p.sysDescr !== undefined) mib.setScalarValue('sysDescr', p.sysDescr);
      const touchesIface = p.rxBps !== undefined || p.txBps !== undefined || p.oper !== undefined || p.rxOctets !== undefined || p.txOctets !== undefined;
      if (!touchesIface) return;
      const i = pick(p.iface);
      fold(i, now);
      if (p.rxBps !== undefined) i.rxBps = p.rxBps;
      if (p.txBps !== undefined) i.txBps = p.txBps;
      if (p.rxOctets !== undefined) i.rx = p.rxOctets & M64;
      if (p.txOctets !== undefined) i.tx = p.txOctets & M64;
      if (p.oper !== undefined) {
        i.oper = p.oper === 'up' ? 1 : 2;
        mib.setTableSingleCell('ifTable', 8, [i.index], i.oper);
      }
    },
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    fault(f) {
      if (f === 'down') muted = true;
      else if (f === 'up') muted = false;
      else {
        bootedAt = performance.now();
        offsetMs = 0;
        for (const i of ifaces) {
          i.rx = 0n;
          i.tx = 0n;
          i.atMs = 0;
        }
      }
    },
    stats: () => ({ answered, dropped }),
    close: () =>
      new Promise<void>((resolve) => {
        agent.close(() => resolve());
      }),
  };
}
