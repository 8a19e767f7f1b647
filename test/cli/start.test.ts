import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnGroup, type GroupProcess } from '../helpers/process-group.js';

/**
 * `langso start` as people run it, in a child process: which configuration runs, what it says, and
 * what its console output looks like. Each child leads its own process group, so the whole tree
 * (npm's shell, node) is stopped at the end.
 */

const running: GroupProcess[] = [];

function start(command: string, args: string[], env: Record<string, string | undefined>): GroupProcess {
  const clean = { ...process.env };
  delete clean.LANGSO_CONFIG;
  delete clean.LANGSO_LOG_FORMAT;
  const r = spawnGroup(command, args, { cwd: process.cwd(), env: { ...clean, LANGSO_LOG_LEVEL: 'info', ...env } });
  running.push(r);
  return r;
}

async function until(r: GroupProcess, what: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!what.test(r.out())) {
    if (r.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${what} (exit ${r.child.exitCode})\nstdout:\n${r.out()}\nstderr:\n${r.err()}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  return r.out();
}

/** SIGTERM, and SIGKILL if the tree is still there 10 s later. */
async function stopTree(r: GroupProcess): Promise<void> {
  const timer = setTimeout(() => r.send('SIGKILL'), 10_000);
  await r.signal('SIGTERM');
  clearTimeout(timer);
}

describe('langso start: which configuration, and what it prints', () => {
  let dir: string;
  /** Free ports everywhere, a private data folder, no simulator: a hub that disturbs nothing. */
  let quiet: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-start-'));
    quiet = { LANGSO_MQTT_PORT: '0', LANGSO_WS_PORT: '0', LANGSO_HTTP_PORT: '0', LANGSO_DATA_DIR: path.join(dir, 'data'), LANGSO_SIM: 'false' };
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map(stopTree));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('LANGSO_CONFIG=my.yaml npm start runs my.yaml, not the demo', async () => {
    // npm start = build, then the command after "&&"; the build is the test run's own (scripts/test.sh).
    const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
    const [build, run] = script.split(' && ');
    expect(build).toBe('npm run build');
    expect(existsSync('dist/hub/cli.js'), 'dist/hub/cli.js (npx tsc -p tsconfig.build.json)').toBe(true);
    const mine = path.join(dir, 'my.yaml');
    await writeFile(
      mine,
      `dataDir: ${JSON.stringify(path.join(dir, 'mine'))}\nbroker: { host: 127.0.0.1, port: 0, wsPort: null }\nhttp: { host: 127.0.0.1, port: 0 }\nvillages: [{ id: lang-cua-toi, name: Làng của tôi }]\n`,
    );
    const r = start('sh', ['-c', run ?? ''], { LANGSO_CONFIG: mine });
    const out = await until(r, /Press Ctrl\+C to stop/);
    expect(out).toContain(`(config: ${mine})`);
    expect(out).not.toContain('demo');
  });

  it('with no configuration at all, the demo runs and says so, with its demo login', async () => {
    const r = start(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'start'], quiet);
    const out = await until(r, /Demo login: /);
    expect(out).toMatch(/^No configuration given: running the demo \(config\/demo\.yaml\)/);
    expect(out).toContain(`(config: ${path.resolve('config/demo.yaml')})`);
    // The demo creates its admin when there is no user, and says plainly that it is a demo login.
    expect(out).toContain('Demo login: admin / langso-demo  (a demo login for the simulated villages only;');
    const http = Number(/Dashboard: {2}http:\/\/[^:]+:(\d+)/.exec(out)?.[1]);
    const res = await fetch(`http://127.0.0.1:${http}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'langso-demo' }) });
    expect(res.status).toBe(200);
  });

  it('a real configuration without any user says how to create the first admin, with the exact command', async () => {
    const mine = path.join(dir, 'fresh.yaml');
    await writeFile(
      mine,
      `dataDir: ${JSON.stringify(path.join(dir, 'fresh'))}\nbroker: { host: 127.0.0.1, port: 0, wsPort: null }\nhttp: { host: 127.0.0.1, port: 0 }\nvillages: [{ id: dong-cam, name: Đông Căm }]\n`,
    );
    const r = start(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'start', '--config', mine], {});
    const out = await until(r, /--password-stdin --config/);
    expect(out).toContain('No dashboard user yet: nobody can log in. Create the first admin (the password is read from standard input):');
    expect(out).toContain(`    langso user add <name> --role admin --password-stdin --config ${mine}\n`);
    expect(out).not.toContain('Demo login');
  });

  it('--config wins over LANGSO_CONFIG', async () => {
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    await writeFile(a, 'villages: [{ id: a, name: A }]\n');
    await writeFile(b, 'villages: [{ id: b, name: B }, { id: c, name: C }]\n');
    const r = start(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'check', '--config', a], { LANGSO_CONFIG: b });
    await new Promise<void>((res) => r.child.once('exit', () => res()));
    expect(r.out()).toContain(`${a}: OK — 1 village(s)`);
  });

  it('writes JSON lines to a pipe, and short readable lines when asked (LANGSO_LOG_FORMAT=pretty)', async () => {
    const json = start(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'start'], quiet);
    const jsonOut = await until(json, /"msg":"hub started"/);
    const line = jsonOut.split('\n').find((l) => l.includes('"hub started"')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ level: 30, msg: 'hub started', store: 'sqlite' });
    await stopTree(json);

    const pretty = start(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'start'], { ...quiet, LANGSO_LOG_FORMAT: 'pretty' });
    const prettyOut = await until(pretty, /hub started/);
    expect(prettyOut).toMatch(/^\d\d:\d\d:\d\d INFO {2}broker {2}mqtt broker listening tcp=\d+ ws=\d+$/m);
    expect(prettyOut).toMatch(/^\d\d:\d\d:\d\d INFO {2}hub {5}hub started mqtt=\d+ ws=\d+ http=\d+ store=sqlite$/m);
    expect(prettyOut).not.toMatch(/^\{"level"/m);
  });

  it('the built hub prints its libraries\' debug lines when DEBUG names them, and none otherwise', async () => {
    // The bundle loads `debug` only when DEBUG is set (scripts/build/debug-quiet.cjs); the real package then prints as ever.
    const cli = path.join(process.cwd(), 'dist', 'hub', 'cli.js');
    // The MQTT packet library logs each packet; the hub's own MQTT client (its pollers') sends one at start.
    const loud = start(process.execPath, [cli, 'start'], { ...quiet, DEBUG: 'mqtt-packet:*' });
    await until(loud, /hub started/);
    const deadline = Date.now() + 10_000;
    while (!/mqtt-packet:/.test(loud.err()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(loud.err()).toMatch(/mqtt-packet:writeToStream generate: packet\.cmd: connect/);
    await stopTree(loud);

    const still = start(process.execPath, [cli, 'start'], quiet);
    await until(still, /hub started/);
    await new Promise((res) => setTimeout(res, 500));
    expect(still.err()).not.toMatch(/mqtt-packet:/);
  });
});
