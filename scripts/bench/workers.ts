/**
 * Load-generator processes (load-worker.ts) driven over IPC, and the work split between them: each
 * process has its own event loop, so a load that one process cannot produce is produced by several.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerClient, WorkerCommand, WorkerReport } from './load-worker.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface LoadWorker {
  child: ChildProcess;
  next(): Promise<WorkerReport>;
  send(m: WorkerCommand | { go: true }): void;
  /** The report of the given kind, failing on an error report or another kind. */
  expect(kind: WorkerReport['kind']): Promise<WorkerReport>;
  /** Ends its clients and the process. */
  stop(): Promise<void>;
}

export function loadWorker(): LoadWorker {
  const child = fork(path.join(here, 'load-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: WorkerReport[] = [];
  let waiting: ((r: WorkerReport) => void) | null = null;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.on('message', (r: WorkerReport) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(r);
    } else queue.push(r);
  });
  const next = (): Promise<WorkerReport> => {
    const r = queue.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => (waiting = resolve));
  };
  const w: LoadWorker = {
    child,
    next,
    send: (m) => void child.send(m),
    async expect(kind) {
      const r = await next();
      if (r.kind === 'error') throw new Error(`load worker: ${r.message}`);
      if (r.kind !== kind) throw new Error(`load worker said ${r.kind}, expected ${kind}`);
      return r;
    },
    async stop() {
      if (child.exitCode === null && child.connected) child.send({ cmd: 'stop' } satisfies WorkerCommand);
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
  return w;
}

/** Splits `items` into `n` nearly equal slices, in order. */
export function split<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((x, i) => out[i % n]!.push(x));
  return out.filter((s) => s.length > 0);
}

export type { WorkerClient };

export interface BareBroker {
  url: string;
  /** socket.io port (with `push`): every message on a status topic is sent to its sockets. */
  ioUrl: string | null;
  /** Messages published by clients so far. */
  published(): Promise<number>;
  stop(): Promise<void>;
}

/** The baselines' bare aedes (bare-broker.ts) in a process of its own, as the hub is in its own. */
export async function bareBroker(push = false): Promise<BareBroker> {
  const child = fork(path.join(here, 'bare-broker.ts'), push ? ['--push'] : [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const hello = await new Promise<{ port: number; ioPort?: number }>((resolve, reject) => {
    child.once('message', (m: { port: number; ioPort?: number }) => resolve(m));
    child.once('exit', (code) => reject(new Error(`bare broker exited (${code})`)));
  });
  return {
    url: `mqtt://127.0.0.1:${hello.port}`,
    ioUrl: hello.ioPort ? `http://127.0.0.1:${hello.ioPort}` : null,
    published: () =>
      new Promise((resolve) => {
        child.once('message', (m: { published: number }) => resolve(m.published));
        child.send({ cmd: 'count' });
      }),
    async stop() {
      if (child.exitCode === null && child.connected) child.send({ cmd: 'stop' });
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
