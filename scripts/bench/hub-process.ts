/**
 * A hub for benchmarks as it runs in a village: `node dist/hub/cli.js start --config FILE` in a process
 * of its own (built by `tsc -p tsconfig.build.json`, no TypeScript loader in it), so its RSS, CPU and
 * start-up are the hub's alone. An admin is created with `langso user add … --password-stdin` before the
 * start, and the benchmark reads the hub over its REST API with that admin's session cookie.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { DevicesResponse } from '../../shared/events.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_ADMIN = { username: 'bench-admin', password: 'mat-khau-do-hieu-nang' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cliOf = (root: string): string => path.join(root, 'dist', 'hub', 'cli.js');

/** Builds dist/ once per run (the hub a village runs is the compiled one); `root`: another checkout. */
export async function buildHub(root = repoRoot): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root }, (err, stdout) =>
      err ? reject(new Error(`tsc -p tsconfig.build.json failed:\n${stdout}`)) : resolve(),
    ),
  );
  if (!existsSync(cliOf(root))) throw new Error(`${cliOf(root)} is missing after the build`);
  // As `npm run build` does: the command's modules in one minified bundle, when the checkout has the step.
  const bundler = path.join(root, 'scripts', 'build', 'bundle.mjs');
  if (existsSync(bundler)) {
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [bundler, root], { cwd: root }, (err, _out, errText) => (err ? reject(new Error(`bundling failed:\n${errText}`)) : resolve())),
    );
  }
}

/**
 * An earlier commit of the hub, built in a temporary folder (git archive, this checkout's node_modules
 * linked): a "before" measured in the same run as the "after". Returns its root; remove it when done.
 */
export async function buildRef(ref: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'langso-bench-ref-'));
  await new Promise<void>((resolve, reject) =>
    execFile('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', ref, root], { cwd: repoRoot }, (err, _o, errText) =>
      err ? reject(new Error(`git archive ${ref} failed: ${errText}`)) : resolve(),
    ),
  );
  await symlink(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  await buildHub(root);
  return root;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface HubProcess {
  pid: number;
  mqttUrl: string;
  httpUrl: string;
  dataDir: string;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  /** performance.now() when its HTTP API first answered. */
  answeredAt: number;
  /** Resident set size now (MiB), from /proc. */
  rssMiB(): Promise<number>;
  /** CPU time the process has used so far (s), from /proc. */
  cpuS(): Promise<number>;
  /** GET an API path with the admin's session. */
  api<T>(p: string): Promise<T>;
  /** The admin's `Cookie` header value. */
  cookie: string;
  /** Resolves once every listed device has a known state (not `unknown`); the time it took since spawn (s). */
  allKnown(count: number, timeoutS: number): Promise<number>;
  stop(): Promise<void>;
}

export interface HubProcessOptions {
  /** The configuration document without dataDir/broker/http ports (filled in here). */
  doc: Record<string, unknown>;
  /** Extra broker settings (allowAnonymous, rateLimit…). */
  broker?: Record<string, unknown>;
  /** Extra environment for the hub (LANGSO_*). */
  env?: Record<string, string>;
  /** Node options for the hub process (e.g. --cpu-prof); `LANGSO_BENCH_NODE_ARGS` (space-separated) adds more to every hub a benchmark starts, for A/B runs of V8 settings. */
  nodeArgs?: string[];
  /** Kept after stop (a restart on the same data). */
  dataDir?: string;
  /** The checkout whose dist/hub/cli.js runs (buildRef); this one by default. */
  root?: string;
}

async function statusKiB(pid: number, key: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Starts the hub; resolves once its API answers and the admin is logged in. */
export async function startHubProcess(o: HubProcessOptions): Promise<HubProcess> {
  const dataDir = o.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'langso-bench-proc-')));
  const ownData = o.dataDir === undefined;
  const cli = cliOf(o.root ?? repoRoot);
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const doc = {
    logLevel: 'warn',
    ...o.doc,
    dataDir,
    broker: { host: '127.0.0.1', port: mqttPort, wsPort: null, ...o.broker },
    http: { host: '127.0.0.1', port: httpPort },
  };
  const file = path.join(dataDir, 'langso.yaml');
  await writeFile(file, stringify(doc));
  // The first admin, as commune IT creates it: the password on standard input, never on the command line.
  await new Promise<void>((resolve, reject) => {
    const p = execFile(process.execPath, [cli, 'user', 'add', BENCH_ADMIN.username, '--role', 'admin', '--password-stdin', '--config', file], { cwd: repoRoot }, (err, _out, errText) =>
      err && !/exists/i.test(errText) ? reject(new Error(`langso user add failed: ${errText}`)) : resolve(),
    );
    p.stdin?.end(`${BENCH_ADMIN.password}\n`);
  });
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...(process.env.LANGSO_BENCH_NODE_ARGS ? process.env.LANGSO_BENCH_NODE_ARGS.split(' ') : []), ...(o.nodeArgs ?? []), cli, 'start', '--config', file], {
    cwd: dataDir,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  for (;;) {
    if (gone) throw new Error('the hub exited before its API answered');
    try {
      const res = await fetch(`${httpUrl}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  const answeredAt = performance.now();
  const res = await fetch(`${httpUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BENCH_ADMIN) });
  const set = res.headers.getSetCookie().find((c) => c.startsWith('langso_session='));
  if (res.status !== 200 || !set) throw new Error(`login answered ${res.status}`);
  const cookie = set.split(';')[0]!;
  const pid = child.pid!;
  const api = async <T>(p: string): Promise<T> => {
    const r = await fetch(`${httpUrl}${p}`, { headers: { cookie } });
    if (!r.ok) throw new Error(`GET ${p} answered ${r.status}`);
    return (await r.json()) as T;
  };
  return {
    pid,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl,
    dataDir,
    spawnedAt,
    answeredAt,
    cookie,
    api,
    rssMiB: async () => (await statusKiB(pid, 'VmRSS')) / 1024,
    cpuS: async () => {
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      // utime and stime, fields 14 and 15 of /proc/PID/stat (11 and 12 after the command name), in clock ticks.
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async allKnown(count, timeoutS) {
      const deadline = performance.now() + timeoutS * 1000;
      for (;;) {
        const { devices } = await api<DevicesResponse>('/api/devices');
        const known = devices.filter((d) => d.registered && d.state !== 'unknown').length;
        if (known >= count) return (performance.now() - spawnedAt) / 1000;
        if (performance.now() > deadline) throw new Error(`only ${known} of ${count} device states known after ${timeoutS} s`);
        await sleep(100);
      }
    },
    async stop() {
      if (!gone) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      }
      if (ownData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Samples the hub's RSS every `everyMs` for `seconds`: mean and max (MiB). */
export async function sampleRss(hub: HubProcess, seconds: number, everyMs = 1_000): Promise<{ mean: number; max: number }> {
  const xs: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    xs.push(await hub.rssMiB());
    await sleep(everyMs);
  }
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
}
