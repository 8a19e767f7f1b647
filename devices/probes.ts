import { spawn } from 'node:child_process';
import net from 'node:net';

/** One probe's outcome: passed with a latency, or failed with a reason a person can act on. */
export type ProbeResult = { ok: true; ms: number } | { ok: false; why: string };

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Why a probe was cut: the probe's own deadline, or the runner's timeout / a stop (its reason). */
function cutReason(signal: AbortSignal, deadlineMs: number): string {
  const r: unknown = signal.reason;
  if (r instanceof Error && r.name === 'DeadlineError') return `no answer within ${seconds(deadlineMs)}`;
  return r instanceof Error ? r.message : 'aborted';
}

/** An AbortSignal that fires at `ms` (named so the reason can be told apart) or when `parent` does. */
export function withDeadline(parent: AbortSignal, ms: number): { signal: AbortSignal; clear(): void } {
  const ac = new AbortController();
  const timer = setTimeout(() => {
    const err = new Error(`deadline ${ms} ms`);
    err.name = 'DeadlineError';
    ac.abort(err);
  }, ms);
  return { signal: AbortSignal.any([parent, ac.signal]), clear: () => clearTimeout(timer) };
}

/** ping's "time=0.071 ms" (iputils) — also "time<1ms" from other implementations. */
export function parsePingTime(out: string): number | null {
  const m = /time[=<]\s*([\d.]+)\s*ms/.exec(out);
  return m ? Number(m[1]) : null;
}

/**
 * One ICMP echo with the system `ping` (iputils runs unprivileged: it carries the capability, and
 * the kernel's ping sockets do the rest). Exit 1 = no reply within -W (or a router's ICMP
 * "unreachable"); exit 2 = an error such as no route or an unknown host. The child is killed when the
 * signal fires. `command` is for tests.
 */
export function icmpProbe(host: string, deadlineMs: number, signal: AbortSignal, command = 'ping'): Promise<ProbeResult> {
  const d = withDeadline(signal, deadlineMs);
  const waitS = Math.max(1, Math.ceil(deadlineMs / 1000));
  return new Promise<ProbeResult>((resolve) => {
    let out = '';
    let err = '';
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      d.clear();
      d.signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    // -n: no reverse lookups (they can take seconds on a village network without DNS for the LAN).
    const child = spawn(command, ['-n', '-c', '1', '-W', String(waitS), host], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onAbort = () => {
      child.kill('SIGKILL');
      finish({ ok: false, why: cutReason(d.signal, deadlineMs) });
    };
    if (d.signal.aborted) return onAbort();
    d.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({ ok: false, why: e.code === 'ENOENT' ? 'ping is not installed (Debian: iputils-ping)' : `cannot run ping: ${e.message}` });
    });
    child.on('close', (code) => {
      if (code === 0) {
        const ms = parsePingTime(out);
        finish(ms === null ? { ok: false, why: 'unreadable ping output' } : { ok: true, ms: round1(ms) });
      } else if (code === 1) {
        // A router may have answered for the host: "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable".
        const icmpError = /Destination (Host|Net|Port|Protocol) Unreachable/i.exec(out);
        finish({ ok: false, why: icmpError ? `unreachable (${icmpError[0].toLowerCase()})` : 'no reply' });
      } else if (/Name or service not known|Temporary failure in name resolution|No address associated/i.test(err)) {
        finish({ ok: false, why: `unreachable (cannot resolve ${host})` });
      } else {
        finish({ ok: false, why: 'unreachable' });
      }
    });
  });
}

const TCP_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ETIMEDOUT: 'no answer',
};

function networkWhy(e: NodeJS.ErrnoException | undefined, host: string): string {
  const code = e?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `unreachable (cannot resolve ${host})`;
  return TCP_ERRORS[code] ?? e?.message ?? 'connection failed';
}

/** A TCP connect (the codec's SIP/H.323 port, a display's control port…), closed at once. */
export function tcpProbe(host: string, port: number, deadlineMs: number, signal: AbortSignal): Promise<ProbeResult> {
  const d = withDeadline(signal, deadlineMs);
  return new Promise<ProbeResult>((resolve) => {
    const t0 = performance.now();
    let done = false;
    const socket = net.connect({ host, port });
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      d.clear();
      d.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, why: cutReason(d.signal, deadlineMs) });
    if (d.signal.aborted) return onAbort();
    d.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ ok: true, ms: round1(performance.now() - t0) }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ ok: false, why: networkWhy(e, host) }));
  });
}

/**
 * An HTTP(S) GET: the status must be `expectStatus` (any 2xx when not given) and, when `keyword` is
 * given, the body must contain it (a codec's status page saying "Registered", say).
 */
export async function httpProbe(
  url: string,
  opts: { expectStatus?: number; keyword?: string },
  deadlineMs: number,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const d = withDeadline(signal, deadlineMs);
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: d.signal, headers: { 'user-agent': 'langso-hub' } });
    const statusOk = opts.expectStatus !== undefined ? res.status === opts.expectStatus : res.status >= 200 && res.status < 300;
    if (!statusOk) {
      await res.body?.cancel().catch(() => undefined);
      return { ok: false, why: `HTTP ${res.status}${opts.expectStatus !== undefined ? ` (expected ${opts.expectStatus})` : ''}` };
    }
    if (opts.keyword !== undefined) {
      const body = await res.text();
      if (!body.includes(opts.keyword)) return { ok: false, why: `"${opts.keyword}" not on the page` };
    } else {
      await res.body?.cancel().catch(() => undefined);
    }
    return { ok: true, ms: round1(performance.now() - t0) };
  } catch (err) {
    if (d.signal.aborted) return { ok: false, why: cutReason(d.signal, deadlineMs) };
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
    return { ok: false, why: networkWhy(cause ?? (err as NodeJS.ErrnoException), new URL(url).hostname) };
  } finally {
    d.clear();
  }
}
