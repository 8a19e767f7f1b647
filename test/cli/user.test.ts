import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userCommand, type UserIo } from '../../hub/cli/user.js';
import { AuditLog } from '../../hub/security/audit.js';
import { UserStore } from '../../hub/security/users.js';
import { openStateDb } from '../../hub/state/db.js';
import { login, sessionOf } from '../helpers/auth.js';
import { startTestHub, testVillage } from '../helpers/hub.js';
import { runLangso, type CommandRun } from '../helpers/cli.js';

const PASSWORD = 'mat-khau-cua-lan-2026';

function io(stdin = ''): UserIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    readStdin: async () => stdin,
    out: () => out,
    err: () => err,
  };
}

/** The real command in a child process, the password piped to standard input. */
const langso = (args: string[], stdin: string | null): Promise<CommandRun> => runLangso(args, { env: { LANGSO_CONFIG: '' }, stdin: stdin ?? '' });

describe('langso user (in process)', () => {
  let dir: string;
  let config: string;
  const run = (args: string[], stdin?: string) => {
    const o = io(stdin);
    return userCommand([...args, '--config', config], o).then((code) => ({ code, out: o.out(), err: o.err() }));
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-user-'));
    config = path.join(dir, 'hub.yaml');
    await writeFile(config, `dataDir: ${JSON.stringify(path.join(dir, 'data'))}\nvillages: [{ id: dong-cam, name: Đông Căm }, { id: gia-phu, name: Gia Phú }]\n`);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('adds users with a role and villages, the password read from standard input (one line)', async () => {
    expect(await run(['add', 'quan-tri', '--role', 'admin', '--password-stdin'], `${PASSWORD}\n`)).toMatchObject({ code: 0, out: 'Added admin "quan-tri".\n' });
    expect(await run(['add', 'lan', '--role', 'leader', '--villages', 'dong-cam,gia-phu', '--password-stdin'], `${PASSWORD}\r\nthe rest is ignored\n`)).toMatchObject({
      code: 0,
      out: 'Added leader "lan" for dong-cam, gia-phu.\n',
    });
    expect(await run(['add', 'xem', '--role', 'viewer', '--password-stdin'], PASSWORD)).toMatchObject({ code: 0 });
    expect(await run(['list'])).toMatchObject({ code: 0, out: 'lan\tleader\tdong-cam,gia-phu\nquan-tri\tadmin\t*\nxem\tviewer\t*\n' });
    const db = openStateDb(path.join(dir, 'data', 'state.db'));
    try {
      expect(await new UserStore(db).verify('lan', PASSWORD)).toMatchObject({ role: 'leader' });
      const audit = new AuditLog(db).list({ limit: 10 });
      expect(audit.map((e) => [e.action, e.target])).toEqual([
        ['user-add', 'xem'],
        ['user-add', 'lan'],
        ['user-add', 'quan-tri'],
      ]);
      expect(audit.every((e) => /^cli(:|$)/.test(e.who) && e.ip === null)).toBe(true);
      expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    } finally {
      db.close();
    }
  });

  it('refuses with a clear message and exit code 1: short password, unknown village, existing user, leader without villages, last admin', async () => {
    const cases: Array<[string[], string, RegExp]> = [
      [['add', 'tuan', '--role', 'viewer', '--password-stdin'], 'ngan\n', /too short: at least 10 characters/],
      [['add', 'tuan', '--role', 'leader', '--villages', 'dong-cam,ha-noi', '--password-stdin'], `${PASSWORD}\n`, /unknown village\(s\): ha-noi; the configuration has: dong-cam, gia-phu/],
      [['add', 'lan', '--role', 'viewer', '--password-stdin'], `${PASSWORD}\n`, /user "lan" already exists/],
      [['add', 'tuan', '--role', 'leader', '--password-stdin'], `${PASSWORD}\n`, /a leader needs the villages/],
      [['add', 'Tuấn', '--role', 'viewer', '--password-stdin'], `${PASSWORD}\n`, /invalid user name/],
      [['add', 'tuan', '--role', 'viewer', '--password-stdin'], '', /no password on standard input/],
      [['remove', 'quan-tri'], '', /last admin/],
      [['role', 'quan-tri', '--role', 'viewer'], '', /last admin/],
      [['passwd', 'khong-co', '--password-stdin'], `${PASSWORD}\n`, /no user "khong-co"/],
    ];
    for (const [args, stdin, message] of cases) {
      const r = await run(args, stdin);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('usage errors exit 2 with the usage: no --password-stdin, a wrong role, an unknown subcommand, a missing name', async () => {
    for (const args of [['add', 'tuan', '--role', 'viewer'], ['add', 'tuan', '--role', 'boss', '--password-stdin'], ['add', 'tuan', '--password-stdin'], ['rename', 'lan'], ['passwd'], ['list', 'lan'], ['add', 'tuan', '--password', 'x']]) {
      const r = await run(args, `${PASSWORD}\n`);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain('Usage:');
    }
    expect((await run([])).code).toBe(2);
    expect(await run(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('langso user add <name> --role admin|leader|viewer') });
  });

  it('changes a role and villages, a password, and removes a user', async () => {
    expect(await run(['role', 'lan', '--role', 'leader', '--villages', 'gia-phu'])).toMatchObject({ code: 0, out: '"lan" is now leader for gia-phu.\n' });
    expect(await run(['role', 'xem', '--role', 'viewer', '--villages', 'dong-cam'])).toMatchObject({ code: 0 });
    expect(await run(['passwd', 'lan', '--password-stdin'], 'mot-mat-khau-khac-han\n')).toMatchObject({ code: 0 });
    expect(await run(['remove', 'xem'])).toMatchObject({ code: 0 });
    expect((await run(['list'])).out).toBe('lan\tleader\tgia-phu\nquan-tri\tadmin\t*\n');
  });
});

describe('langso user (the command, while the hub runs on the same data)', () => {
  it('a user added from the command line logs in at once; a new password ends the session; exit codes as documented', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'langso-user-live-'));
    const dataDir = path.join(dir, 'data');
    const config = path.join(dir, 'hub.yaml');
    await writeFile(config, `dataDir: ${JSON.stringify(dataDir)}\nvillages: [{ id: dong-cam, name: Đông Căm }]\n`);
    const t = await startTestHub({ villages: [testVillage] }, { dataDir });
    try {
      const added = await langso(['user', 'add', 'lan', '--role', 'leader', '--villages', 'dong-cam', '--password-stdin', '--config', config], `${PASSWORD}\n`);
      expect(added, added.stderr).toMatchObject({ code: 0, stdout: 'Added leader "lan" for dong-cam.\n' });
      const lan = sessionOf(t.httpUrl, 'lan', await login(t.httpUrl, 'lan', PASSWORD));
      expect((await lan.fetch('/api/devices')).status).toBe(200);
      const changed = await langso(['user', 'passwd', 'lan', '--password-stdin', '--config', config], 'mat-khau-moi-cua-lan\n');
      expect(changed.code).toBe(0);
      expect((await lan.fetch('/api/devices')).status).toBe(401);
      expect((await langso(['user', 'add', 'lan', '--role', 'viewer', '--password-stdin', '--config', config], `${PASSWORD}\n`)).code).toBe(1);
      expect((await langso(['user', 'add', 'tuan', '--role', 'viewer', '--config', config], null)).code).toBe(2);
      await writeFile(path.join(dir, 'bad.yaml'), 'villages: nope\n');
      expect((await langso(['user', 'list', '--config', path.join(dir, 'bad.yaml')], null)).code).toBe(78);
    } finally {
      await t.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
