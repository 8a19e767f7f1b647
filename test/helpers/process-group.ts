import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A child process leading a process group of its own, its output collected. A signal goes to the whole
 * group, so it reaches everything the child started (npm's shell, the TypeScript loader, node itself):
 * a SIGKILL to it is what a power cut or the OOM killer does to the hub.
 */
export interface GroupProcess {
  readonly child: ChildProcess;
  /** Its standard output so far. */
  out(): string;
  /** Its standard error so far. */
  err(): string;
  /** Both, interleaved as they came. */
  all(): string;
  /** True once the child has exited (or was never started). */
  gone(): boolean;
  /** Sends `sig` to the group without waiting; false when there was nothing to send it to. */
  send(sig: NodeJS.Signals): boolean;
  /** Sends `sig` to the group and resolves once the child has exited; at once if it already had. */
  signal(sig: NodeJS.Signals): Promise<void>;
}

export function spawnGroup(command: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): GroupProcess {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  let all = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    all += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    all += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
  const send = (sig: NodeJS.Signals): boolean => {
    if (gone()) return false;
    try {
      process.kill(-(child.pid as number), sig);
      return true;
    } catch {
      // already gone
      return false;
    }
  };
  return {
    child,
    out: () => out,
    err: () => err,
    all: () => all,
    gone,
    send,
    async signal(sig) {
      if (gone()) return;
      // A failed send means the group has just gone: its exit is on the way.
      send(sig);
      await exited;
    },
  };
}
