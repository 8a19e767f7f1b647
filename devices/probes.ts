import { spawn } from 'node:child_process';
import net from 'node:net';
import type { ReasonCode, ReasonParams } from '../shared/reasons.js';

/**
 * One probe's outcome: passed with a latency, or failed with a reason code (what people read, translated)
 * and `why`, the technical text a person can act on.
 */
export type ProbeResult = { ok: true; ms: number } | ProbeFailure;
export interface ProbeFailure {
  ok: false;
  code: ReasonCode;
  params?: ReasonParams;
  why: string;
}

function fail(code: ReasonCode, why: string, params?: ReasonParams): ProbeFailure {
  return params ? { ok: false, code, params, why } : { ok: false, code, why };
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

const secondsParam = (ms: number): number => Number((ms / 1000).toFixed(1));

/** Why a probe was cut: the probe's own deadline, or the runner's timeout / a stop (its reason). */
function cutReason(signal: AbortSignal, deadlineMs: number): ProbeFailure {
  const r: unknown = signal.reason;
  if (r instanceof Error && r.name === 'DeadlineError') return fail('timeout', `no answer within ${seconds(deadlineMs)}`, { s: secondsParam(deadlineMs) });
  // The runner aborts with its own typed timeout (devices/runner.ts): keep its code and seconds.
  const typed = r as { code?: unknown; params?: unknown } | null;
  if (r instanceof Error && typed?.code === 'timeout') return fail('timeout', r.message, (typed.params as ReasonParams | undefined) ?? {});
  return fail('check-failed', r instanceof Error ? r.message : 'aborted');
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
      finish(cutReason(d.signal, deadlineMs));
    };
    if (d.signal.aborted) return onAbort();
    d.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(fail('ping-failed', e.code === 'ENOENT' ? 'ping is not installed (Debian: iputils-ping)' : `cannot run ping: ${e.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) {
        const ms = parsePingTime(out);
        finish(ms === null ? fail('ping-failed', 'unreadable ping output') : { ok: true, ms: round1(ms) });
      } else if (code === 1) {
        // A router may have answered for the host: "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable".
        const icmpError = /Destination (Host|Net|Port|Protocol) Unreachable/i.exec(out);
        finish(icmpError ? fail('unreachable', `unreachable (${icmpError[0].toLowerCase()})`) : fail('timeout', 'no reply', { s: waitS }));
      } else if (/Name or service not known|Temporary failure in name resolution|No address associated/i.test(err)) {
        finish(fail('dns', `unreachable (cannot resolve ${host})`, { host }));
      } else {
        finish(fail('unreachable', 'unreachable'));
      }
    });
  });
}

const TCP_ERRORS: Record<string, [ReasonCode, string]> = {
  ECONNREFUSED: ['refused', 'connection refused'],
  ECONNRESET: ['connection-closed', 'connection reset'],
  EHOSTUNREACH: ['unreachable', 'unreachable'],
  ENETUNREACH: ['unreachable', 'unreachable'],
  EHOSTDOWN: ['unreachable', 'unreachable'],
  ETIMEDOUT: ['timeout', 'no answer'],
};

/** A socket error as a reason; `port` goes with a refusal ("port 5060 is not open"). */
function networkFailure(e: NodeJS.ErrnoException | undefined, host: string, port: number): ProbeFailure {
  const code = e?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fail('dns', `unreachable (cannot resolve ${host})`, { host });
  const known = TCP_ERRORS[code];
  if (!known) return fail('network-error', e?.message ?? 'connection failed');
  return known[0] === 'refused' ? fail('refused', known[1], { port }) : fail(known[0], known[1]);
}

/** The port an http(s) URL connects to. */
function urlPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
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
    const onAbort = () => finish(cutReason(d.signal, deadlineMs));
    if (d.signal.aborted) return onAbort();
    d.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ ok: true, ms: round1(performance.now() - t0) }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish(networkFailure(e, host, port)));
  });
}

/**
 * An HTTP(S) GET: the status must be `expectStatus` (any 2xx when not given) and, when `keyword` is
 * given, the body must contain it (a codec's status page saying "Registered", say).
 */
/**
 * `http://user:pass@host/…` is how people write a status page behind Basic authentication; fetch refuses
 * such URLs, so the credentials travel as an Authorization header instead.
 */
export function splitCredentials(url: string): { href: string; auth: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { href: url, auth: {} };
  }
  if (u.username === '' && u.password === '') return { href: url, auth: {} };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { href: u.href, auth: { authorization: `Basic ${basic}` } };
}

export async function httpProbe(
  url: string,
  opts: { expectStatus?: number; keyword?: string },
  deadlineMs: number,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const d = withDeadline(signal, deadlineMs);
  const t0 = performance.now();
  const target = splitCredentials(url);
  try {
    const res = await fetch(target.href, { signal: d.signal, headers: { 'user-agent': 'langso-hub', ...target.auth } });
    const statusOk = opts.expectStatus !== undefined ? res.status === opts.expectStatus : res.status >= 200 && res.status < 300;
    if (!statusOk) {
      await res.body?.cancel().catch(() => undefined);
      const why = `HTTP ${res.status}${opts.expectStatus !== undefined ? ` (expected ${opts.expectStatus})` : ''}`;
      return fail('http-status', why, opts.expectStatus !== undefined ? { status: res.status, expected: opts.expectStatus } : { status: res.status });
    }
    if (opts.keyword !== undefined) {
      const body = await res.text();
      if (!body.includes(opts.keyword)) return fail('keyword-missing', `"${opts.keyword}" not on the page`, { keyword: opts.keyword });
    } else {
      await res.body?.cancel().catch(() => undefined);
    }
    return { ok: true, ms: round1(performance.now() - t0) };
  } catch (err) {
    if (d.signal.aborted) return cutReason(d.signal, deadlineMs);
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
    const u = new URL(url);
    return networkFailure(cause ?? (err as NodeJS.ErrnoException), u.hostname, urlPort(u));
  } finally {
    d.clear();
  }
}
