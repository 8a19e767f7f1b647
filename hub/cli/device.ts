import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { utcOffsetText, zonedParts } from '../../shared/time.js';
import { MqttAccounts, READER_PATTERN, deviceUsername } from '../broker/accounts.js';
import { loadConfig, type Env } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { AuditLog } from '../security/audit.js';
import { openStateDb, type StateDb } from '../state/db.js';

export const DEVICE_USAGE = `Usage:
  langso device credentials <village>/<device> [--config FILE]
        issue (or rotate) the device's MQTT password and print it once; the password alone is the
        last line of the output. A rotated password ends the old one at the device's next connect.
  langso device list [--config FILE]
        every configured device: whether it has MQTT credentials, when it last connected
  langso mqtt-reader add <name> [--config FILE]
        an account that reads every topic and publishes nothing (Home Assistant, Node-RED);
        prints its password once, alone on the last line
  langso mqtt-reader remove <name> [--config FILE]

The configuration is --config FILE or LANGSO_CONFIG; its dataDir holds the accounts (state.db).
The hub may be running: it reads the accounts at each connect.
`;

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: Env;
}

const stdio: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** Who did it, for the audit log: the command line and the OS user running it. */
function cliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** A time in the village's clock: "2026-11-29 20:15 (UTC+7)". */
export function villageTime(ts: number, tz: string): string {
  const p = zonedParts(ts, tz);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)} (${utcOffsetText(ts, tz)})`;
}

async function withState<T>(argv: string[], io: CliIo, run: (ctx: { config: Config; file: string; db: StateDb; positionals: string[] }) => Promise<T>): Promise<T | number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${DEVICE_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(DEVICE_USAGE);
    return 0;
  }
  // No demo here: credentials belong to a real village's configuration.
  const { config, file } = await loadConfig(values.config, io.env);
  const db = openStateDb(path.join(path.resolve(config.dataDir), 'state.db'));
  try {
    return await run({ config, file, db, positionals });
  } finally {
    db.close();
  }
}

/** `langso device …`: returns the exit code; a bad configuration throws ConfigError. */
export async function deviceCommand(argv: string[], io: CliIo = stdio): Promise<number> {
  const sub = argv[0];
  if (sub !== 'credentials' && sub !== 'list') {
    io.stderr.write(`${sub === undefined ? 'Missing' : `Unknown`} device command${sub ? ` "${sub}"` : ''}: expected credentials or list.\n\n${DEVICE_USAGE}`);
    return 2;
  }
  const code = await withState(argv.slice(1), io, async ({ config, file, db, positionals }) => {
    const accounts = new MqttAccounts(db);
    if (sub === 'list') return listDevices(config, accounts, io);
    const address = positionals[0] ?? '';
    const [village, device, ...rest] = address.split('/');
    const found = rest.length === 0 ? config.devices.find((d) => d.village === village && d.id === device) : undefined;
    if (!found) {
      const known = config.devices.map((d) => `${d.village}/${d.id}`);
      io.stderr.write(
        `${address ? `No device "${address}" in ${file}` : 'Which device? Give it as <village>/<device>'}.\n` +
          (known.length ? `Configured devices: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}\n` : 'The configuration has no devices: add the device under devices: first.\n'),
      );
      return 2;
    }
    const username = deviceUsername(found.village, found.id);
    const rotated = accounts.has(username);
    const secret = await accounts.issueDevice(found.village, found.id, Date.now());
    new AuditLog(db).record({ ts: Date.now(), who: cliUser(), action: 'mqtt-credentials', target: username, village: found.village, detail: { rotated }, ip: null });
    io.stdout.write(
      `MQTT credentials for ${found.name} (${username})${rotated ? ' — the previous password stops working at the next connect' : ''}.\n` +
        `Shown once: put them on the device now.\n` +
        `  user name: ${username}\n` +
        `  password:  (the next line)\n` +
        `${secret}\n`,
    );
    return 0;
  });
  return code;
}

function listDevices(config: Config, accounts: MqttAccounts, io: CliIo): number {
  const byUser = new Map(accounts.list().map((a) => [a.username, a]));
  const zones = new Map(config.villages.map((v) => [v.id, v.timezone]));
  const rows = config.devices.map((d) => {
    const a = byUser.get(deviceUsername(d.village, d.id));
    const tz = zones.get(d.village) ?? 'Asia/Ho_Chi_Minh';
    return [
      `${d.village}/${d.id}`,
      d.name,
      d.kind,
      d.poll ? 'polled by the hub' : a ? `yes, since ${villageTime(a.createdAt, tz)}` : 'no',
      a?.lastConnectedAt ? `${villageTime(a.lastConnectedAt, tz)}${a.lastClientId ? ` as "${a.lastClientId}"` : ''}` : d.poll ? '' : 'never',
    ];
  });
  const readers = accounts.list().filter((a) => a.role === 'reader');
  const header = ['device', 'name', 'kind', 'credentials', 'last connected'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  io.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}${rows.length ? '\n' : ''}`);
  if (readers.length > 0) io.stdout.write(`\nReaders: ${readers.map((r) => r.username).join(', ')}\n`);
  return 0;
}

/** `langso mqtt-reader add|remove <name>`. */
export async function readerCommand(argv: string[], io: CliIo = stdio): Promise<number> {
  const sub = argv[0];
  if (sub !== 'add' && sub !== 'remove') {
    io.stderr.write(`${sub === undefined ? 'Missing' : 'Unknown'} mqtt-reader command${sub ? ` "${sub}"` : ''}: expected add or remove.\n\n${DEVICE_USAGE}`);
    return 2;
  }
  return withState(argv.slice(1), io, async ({ db, positionals }) => {
    const name = positionals[0] ?? '';
    if (!READER_PATTERN.test(name)) {
      io.stderr.write(`Invalid reader name "${name}": 2–32 characters a-z, 0-9, ".", "_" or "-", starting with a letter or digit.\n`);
      return 2;
    }
    const accounts = new MqttAccounts(db);
    // Device accounts are "<village>/<device>": a reader's name never is one.
    const existing = accounts.has(name);
    const audit = new AuditLog(db);
    if (sub === 'remove') {
      if (!accounts.remove(name)) {
        io.stderr.write(`No reader "${name}".\n`);
        return 1;
      }
      audit.record({ ts: Date.now(), who: cliUser(), action: 'mqtt-reader', target: name, village: null, detail: { removed: true }, ip: null });
      io.stdout.write(`Reader "${name}" removed: it cannot connect any more (a connection open now stays until it ends).\n`);
      return 0;
    }
    const secret = await accounts.addReader(name, Date.now());
    audit.record({ ts: Date.now(), who: cliUser(), action: 'mqtt-reader', target: name, village: null, detail: { rotated: existing }, ip: null });
    io.stdout.write(
      `MQTT reader "${name}"${existing ? ' (new password; the previous one stops working at the next connect)' : ''}: reads every topic, publishes nothing.\n` +
        `Shown once.\n  user name: ${name}\n  password:  (the next line)\n${secret}\n`,
    );
    return 0;
  });
}
