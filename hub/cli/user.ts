import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Env } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { AuditLog } from '../security/audit.js';
import { roles, type Role } from '../security/roles.js';
import { UserError, UserStore } from '../security/users.js';
import { openStateDb, type StateDb } from '../state/db.js';

/**
 * `langso user …`: dashboard accounts from the command line. A scriptable contract (other tools call it):
 * the commands and options below stay as they are, the password only ever comes on standard input (one
 * line: never on the command line, where the process list and the shell history would keep it), and the
 * exit code says how it went — 0 done, 1 refused (the message says why), 2 a usage error, 78 a bad
 * configuration. It opens the state database of the configuration's dataDir, also while the hub runs
 * (SQLite in WAL mode); every change is in the audit log as `cli:<system user>`.
 */
export const USER_USAGE = `Usage:
  langso user add <name> --role admin|leader|viewer [--villages a,b] --password-stdin [--config FILE]
  langso user passwd <name> --password-stdin [--config FILE]
  langso user role <name> --role admin|leader|viewer [--villages a,b] [--config FILE]
  langso user remove <name> [--config FILE]
  langso user list [--config FILE]

  --role R          viewer reads; leader also acknowledges alerts and sets maintenance and meetings
                    for their villages; admin does everything (users, discovery, the audit log)
  --villages a,b    village ids from the configuration: the villages a leader leads (required for a
                    leader), or the only ones a viewer sees (default: every village)
  --password-stdin  read the password from standard input, one line (at least 10 characters);
                    e.g. printf '%s\\n' "$PASSWORD" | langso user add lan --role leader --villages dong-cam --password-stdin
  --config FILE     the hub configuration (default: LANGSO_CONFIG, else the demo, config/demo.yaml)

"list" prints one user per line: name, role and villages ("*" = every village), separated by tabs.
Changing a password or removing a user ends their dashboard sessions at once.
`;

export interface UserIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: Env;
  /** Standard input as text (read only for --password-stdin). */
  readStdin: () => Promise<string>;
  /** The demo configuration, used when none is given. */
  demoFile?: string;
}

const SUBCOMMANDS = ['add', 'passwd', 'role', 'remove', 'list'] as const;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    // One line is all that is read: a script piping more gets the first line only.
    if (text.includes('\n')) break;
  }
  return text;
}

export const processUserIo = (demoFile?: string): UserIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin: () => readAll(process.stdin),
  ...(demoFile ? { demoFile } : {}),
});

function cliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

class UsageError extends Error {}

function parseVillages(text: string | undefined, config: Config): string[] {
  if (text === undefined) return [];
  const list = text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const known = config.villages.map((v) => v.id);
  const unknown = list.filter((v) => !known.includes(v));
  if (unknown.length > 0) throw new UserError(`unknown village(s): ${unknown.join(', ')}; the configuration has: ${known.join(', ') || '(none)'}`, 'invalid');
  return [...new Set(list)];
}

function parseRole(text: string | undefined): Role {
  if (text === undefined) throw new UsageError('--role is required (admin, leader or viewer)');
  if (!(roles as readonly string[]).includes(text)) throw new UsageError(`--role: "${text}" is not a role; expected admin, leader or viewer`);
  return text as Role;
}

async function readPassword(io: UserIo, wanted: boolean | undefined): Promise<string> {
  if (!wanted) throw new UsageError('--password-stdin is required: the password is read from standard input, never taken from the command line');
  const line = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
  if (line === '') throw new UserError('no password on standard input (one line expected)', 'invalid');
  return line;
}

/** `langso user …`: returns the exit code; a bad configuration throws ConfigError (exit 78 in cli.ts). */
export async function userCommand(argv: string[], io: UserIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        villages: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${USER_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? io.stdout : io.stderr).write(USER_USAGE);
    return values.help ? 0 : 2;
  }
  const [sub, name, ...extra] = positionals;
  if (!(SUBCOMMANDS as readonly string[]).includes(sub ?? '')) {
    io.stderr.write(`Unknown command "user ${sub}".\n\n${USER_USAGE}`);
    return 2;
  }
  if (sub === 'list' ? name !== undefined : name === undefined || extra.length > 0) {
    io.stderr.write(`${sub === 'list' ? '"user list" takes no name' : `"user ${sub}" takes one user name`}.\n\n${USER_USAGE}`);
    return 2;
  }

  const { config } = await loadConfig(values.config, io.env, io.demoFile);
  let db: StateDb | null = null;
  try {
    db = openStateDb(path.join(path.resolve(config.dataDir), 'state.db'));
    const users = new UserStore(db);
    const audit = new AuditLog(db);
    const who = cliUser();
    const now = Date.now();
    const record = (action: 'user-add' | 'user-passwd' | 'user-role' | 'user-remove', detail: Record<string, string | null> = {}) =>
      audit.record({ ts: now, who, action, target: name ?? null, village: null, detail, ip: null });
    switch (sub) {
      case 'list':
        for (const u of users.list()) io.stdout.write(`${u.username}\t${u.role}\t${u.villages.length ? u.villages.join(',') : '*'}\n`);
        return 0;
      case 'add': {
        const role = parseRole(values.role);
        const villages = parseVillages(values.villages, config);
        const password = await readPassword(io, values['password-stdin']);
        const u = await users.add(name!, password, role, villages, now);
        record('user-add', { role, villages: villages.join(',') || null });
        io.stdout.write(`Added ${u.role} "${u.username}"${u.villages.length ? ` for ${u.villages.join(', ')}` : ''}.\n`);
        return 0;
      }
      case 'passwd': {
        const password = await readPassword(io, values['password-stdin']);
        await users.setPassword(name!, password, now);
        record('user-passwd');
        io.stdout.write(`Password of "${name}" changed; their dashboard sessions have ended.\n`);
        return 0;
      }
      case 'role': {
        const role = parseRole(values.role);
        const u = users.setRole(name!, role, parseVillages(values.villages, config), now);
        record('user-role', { role, villages: u.villages.join(',') || null });
        io.stdout.write(`"${u.username}" is now ${u.role}${u.villages.length ? ` for ${u.villages.join(', ')}` : ''}.\n`);
        return 0;
      }
      default: {
        users.remove(name!);
        record('user-remove');
        io.stdout.write(`Removed "${name}"; their dashboard sessions have ended.\n`);
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${err.message}\n\n${USER_USAGE}`);
      return 2;
    }
    if (err instanceof UserError) {
      io.stderr.write(`Cannot ${sub} user: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    db?.close();
  }
}
