import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** How a command ended and what it printed. */
export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `langso <args>` from the sources in a child process (`env` added to this process's); resolves when it
 * exits. `stdin`, when given, is piped to it; after `timeoutMs`, when given, it is killed and the run fails.
 */
export function runLangso(args: string[], opts: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'hub/cli.ts', ...args], {
      env: { ...process.env, ...opts.env },
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`langso ${args.join(' ')} did not exit in ${opts.timeoutMs} ms\n${stdout}\n${stderr}`));
          }, opts.timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  });
}

/** A module of this repository as an import specifier for a script written by a test. */
export const repoModule = (rel: string): string => JSON.stringify(path.join(process.cwd(), rel));

/**
 * Writes `lines` to `file` (a .mts script), runs it in a Node process of its own through the TypeScript
 * loader, and returns its last line of output parsed as JSON: for measuring what only a fresh process
 * shows (its memory, V8's heap).
 */
export async function runScriptForJson<T>(file: string, lines: string[], timeoutMs = 60_000): Promise<T> {
  writeFileSync(file, lines.join('\n'));
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', file], { cwd: process.cwd(), timeout: timeoutMs }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as T;
}
