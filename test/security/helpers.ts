import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { MqttAccounts } from '../../hub/broker/accounts.js';
import { createLogger, type Logger } from '../../hub/core/log.js';
import { openStateDb } from '../../hub/state/db.js';
import type { TestHub } from '../helpers/hub.js';

/** A logger whose JSON lines are kept, parsed. */
export function captureLog(level = 'info'): { log: Logger; lines: Array<Record<string, unknown> & { msg: string }> } {
  const lines: Array<Record<string, unknown> & { msg: string }> = [];
  const log = createLogger(level, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown> & { msg: string }) });
  return { log, lines };
}

/** Issues credentials the way `langso device credentials` does: through its own handle on the hub's state database. */
export async function issueDevice(t: TestHub, village: string, device: string): Promise<string> {
  const db = openStateDb(path.join(t.dataDir, 'state.db'));
  try {
    return await new MqttAccounts(db).issueDevice(village, device, Date.now());
  } finally {
    db.close();
  }
}

export async function addReader(t: TestHub, name: string): Promise<string> {
  const db = openStateDb(path.join(t.dataDir, 'state.db'));
  try {
    return await new MqttAccounts(db).addReader(name, Date.now());
  } finally {
    db.close();
  }
}

/** Runs Debian's mosquitto_pub / mosquitto_sub; never rejects. */
export function mosquitto(tool: 'mosquitto_pub' | 'mosquitto_sub', args: string[], timeoutMs = 10_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CONNACK return code a connection gets: 0 when accepted (the client is ended again). */
export async function connackCode(url: string, opts: IClientOptions): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
    await c.endAsync();
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

export async function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A village's own certificate authority and a hub certificate it signs, made with Debian's openssl
 * the way docs/security.md says (EC keys here, for speed). Files in `dir`: ca.crt, ca.key, hub.crt, hub.key.
 */
export function villageCa(dir: string): { ca: string; cert: string; key: string } {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Lang So village CA']);
  openssl(['req', ...ec, '-keyout', 'hub.key', '-out', 'hub.csr', '-subj', '/CN=localhost']);
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'hub.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'hub.crt', '-days', '2', '-extfile', 'san.ext']);
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'hub.crt'), key: path.join(dir, 'hub.key') };
}

/** An MQTT remaining-length field (MQTT-2.2.3). */
export function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
