import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';
import { CheckError, type CheckResult, type DeviceDriver, type DriverInstance } from '../driver.js';

/**
 * The village PC's health from Node's own os and fs APIs — no shell-outs, so the same code runs on
 * the Linux hub PC and on a Windows desktop in the cultural house.
 */

const mountSchema = z.strictObject({
  path: z.string().min(1),
  /** Becomes part of a metric name (`diskFreePct_<label>`): letters, digits, "_". */
  label: z.string().regex(/^[A-Za-z0-9_]{1,32}$/, 'expected a short label: A-Z, a-z, 0-9 and "_" (it becomes the field diskFreePct_<label>)'),
});

export const pcConfigSchema = z
  .strictObject({
    intervalS: z.number().positive().max(86_400).default(30),
    timeoutS: z.number().positive().max(300).default(5),
    retries: z.number().int().min(0).max(10).default(0),
    /** Extra disks to watch besides the system disk, e.g. { path: 'D:\\', label: 'data' }. */
    mounts: z.array(mountSchema).optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.mounts?.forEach((m, i) => {
      if (seen.has(m.label)) ctx.addIssue({ code: 'custom', path: ['mounts', i, 'label'], message: `duplicate label "${m.label}"` });
      seen.add(m.label);
    });
  });
export type PcSettings = z.infer<typeof pcConfigSchema>;

/** The disk the OS runs from: C:\ (or wherever Windows is) on Windows, / elsewhere. */
export function systemRoot(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  return platform === 'win32' ? `${env.SystemDrive ?? 'C:'}\\` : '/';
}

export interface CpuSample {
  busy: number;
  total: number;
}

/** Sums every core's time counters (ms since boot): busy = all but idle. */
export function cpuSample(cpus: os.CpuInfo[] = os.cpus()): CpuSample | null {
  if (cpus.length === 0) return null; // some sandboxes hide /proc/stat
  let busy = 0;
  let total = 0;
  for (const { times } of cpus) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * Share of CPU time spent busy between two samples, 0–1, over all cores. Not os.loadavg(): it is
 * always 0 on Windows, and on Linux it counts waiting processes, not busy time.
 */
export function cpuLoadBetween(a: CpuSample, b: CpuSample): number | null {
  const total = b.total - a.total;
  if (!(total > 0)) return null;
  const load = (b.busy - a.busy) / total;
  return Math.round(Math.min(1, Math.max(0, load)) * 1000) / 1000;
}

const pct = (part: number, whole: number): number => Math.round((part / whole) * 1000) / 10;

async function diskFreePct(path: string): Promise<number> {
  const s = await statfs(path);
  // bavail: blocks an ordinary user may still write (ext4 keeps ~5% for root; Windows: the caller's quota).
  return s.blocks > 0 ? pct(s.bavail, s.blocks) : 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** How long the first check samples the CPU, having no earlier sample to compare with. */
export const FIRST_CPU_SAMPLE_MS = 250;

export class PcCheck implements DriverInstance {
  private prevCpu: CpuSample | null = null;

  constructor(
    private readonly s: PcSettings,
    /** The system disk (tests point it elsewhere). */
    private readonly root = systemRoot(),
  ) {}

  check = async (signal: AbortSignal): Promise<CheckResult> => {
    if (this.prevCpu === null) {
      this.prevCpu = cpuSample();
      await sleep(FIRST_CPU_SAMPLE_MS, signal);
    }
    const cpu = cpuSample();
    const fields: Record<string, number | boolean> = {};
    const load = this.prevCpu && cpu ? cpuLoadBetween(this.prevCpu, cpu) : null;
    this.prevCpu = cpu;
    if (load !== null) fields.cpuLoad = load;

    const total = os.totalmem();
    // freemem() is MemAvailable on Linux (page cache counts as free) and available physical memory on Windows.
    fields.memUsedPct = pct(total - os.freemem(), total);
    // The system disk is the PC's health: an error there fails the check (and says why).
    try {
      fields.diskFreePct = await diskFreePct(this.root);
    } catch (err) {
      throw new CheckError('disk-unreadable', `disk ${this.root}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { path: this.root });
    }
    const missing: string[] = [];
    for (const m of this.s.mounts ?? []) {
      // An unplugged USB disk must not take the PC offline: its field is just absent this time.
      try {
        fields[`diskFreePct_${m.label}`] = await diskFreePct(m.path);
      } catch (err) {
        missing.push(`${m.label} (${m.path}): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      }
    }
    fields.uptimeS = Math.floor(os.uptime());

    const cpus = os.cpus();
    const info: Record<string, string> = {
      hostname: os.hostname(),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      cpu: `${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length}`,
      memory: `${(total / 2 ** 30).toFixed(1)} GiB`,
    };
    if (missing.length > 0) info.unreadableDisks = missing.join('; ');
    return { fields, info };
  };
}

export const pcDriver: DeviceDriver<PcSettings> = {
  kind: 'pc',
  configSchema: pcConfigSchema,
  create: (ctx) => new PcCheck(ctx.settings),
};
