/**
 * What a benchmark run leaves behind: each benchmark's printed lines and figures go to
 * `$LANGSO_BENCH_OUT/<name>.json` (run.sh sets it), and write-doc.ts turns them into docs/benchmarks.md
 * with the machine they ran on. Without LANGSO_BENCH_OUT a benchmark only prints.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';

export interface BenchRecord {
  name: string;
  /** ISO time the benchmark ended. */
  at: string;
  /** 1-minute load average when it started and when it ended (other work on the machine shows here). */
  load: { start: number; end: number };
  lines: string[];
  results: Record<string, number>;
}

const loadAtStart = loadavg()[0] ?? 0;

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

/** nproc, CPU model, RAM and Node version, on one line. */
export function machineLine(): string {
  return `machine: ${cpus().length} cores (nproc), ${cpuModel()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

export async function record(name: string, lines: string[], results: Record<string, number>): Promise<void> {
  const dir = process.env.LANGSO_BENCH_OUT;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  const r: BenchRecord = { name, at: new Date().toISOString(), load: { start: loadAtStart, end: loadavg()[0] ?? 0 }, lines, results };
  await writeFile(path.join(dir, `${name}.json`), JSON.stringify(r, null, 2));
}
