import { createRequire } from 'node:module';
import type NetSnmp from 'net-snmp';
import type { Session, Varbind } from 'net-snmp';
import type { ReasonCode, ReasonParams } from '../../shared/reasons.js';
import { CheckError } from '../driver.js';

const require = createRequire(import.meta.url);
/** net-snmp loads at the first SNMP check, not in every hub (Node caches it). */
const snmp = (): typeof NetSnmp => require('net-snmp') as typeof NetSnmp;

export type { Varbind } from 'net-snmp';

export const authProtocols = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const privProtocols = ['des', 'aes', 'aes256b', 'aes256r'] as const;

export type SnmpCredentials =
  | { version: 'v2c'; community: string }
  | {
      version: 'v3';
      user: string;
      authProtocol: (typeof authProtocols)[number];
      authKey: string;
      privProtocol: (typeof privProtocols)[number];
      privKey: string;
    };

export interface SnmpTarget {
  host: string;
  port: number;
  credentials: SnmpCredentials;
  /** Per request, before a retransmission. */
  timeoutMs: number;
  /** Retransmissions of one request inside the session (UDP loss), not the runner's retries. */
  retries: number;
}

/** An SNMP failure: its reason code, and a message a person can act on. */
export class SnmpError extends CheckError {
  constructor(code: ReasonCode, message: string, params?: ReasonParams) {
    super(code, message, params);
    this.name = 'SnmpError';
  }
}

/** net-snmp's ResponseInvalidCode.EAuthFailure: a v3 Report PDU (unknown user, wrong digest) or a bad digest. */
const E_AUTH_FAILURE = 5;

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const UNRESOLVED = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);

/** net-snmp's varbind-level error types: the object or instance does not exist on the agent. */
export function isMissing(vb: Varbind): boolean {
  return snmp().isVarbindError(vb);
}

/** Counter64 arrives as a minimal-length big-endian Buffer (TESTING.md §SNMP); other integers as numbers. */
export function toBigInt(vb: Varbind): bigint {
  const v = vb.value;
  if (Buffer.isBuffer(v)) return v.length === 0 ? 0n : BigInt(`0x${v.toString('hex')}`);
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === 'bigint') return v;
  throw new SnmpError('snmp-bad-value', `SNMP: ${vb.oid} is not a number`);
}

export function toNumber(vb: Varbind): number {
  const v = vb.value;
  if (typeof v === 'number') return v;
  if (Buffer.isBuffer(v) && vb.type === snmp().ObjectType.Counter64) return Number(toBigInt(vb));
  // Extend scripts (nsExtendOutput1Line) answer with text such as "12".
  const text = Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : '';
  const n = Number(text.trim());
  if (text.trim() !== '' && Number.isFinite(n)) return n;
  throw new SnmpError('snmp-bad-value', `SNMP: ${vb.oid} is not a number (${text.trim().slice(0, 40) || typeof v})`);
}

export function toText(vb: Varbind): string {
  const v = vb.value;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/**
 * A promise wrapper over one net-snmp session (one UDP socket) kept between checks. Every call takes
 * the check's AbortSignal: an abort closes the session, which cancels its requests at once; the next
 * call opens a new one. Errors come out as SnmpError with the messages the dashboard shows.
 */
export class SnmpClient {
  private session: Session | null = null;

  constructor(private readonly target: SnmpTarget) {}

  /** GET; every OID must exist (else "SNMP: no such object <oid>"). */
  async get(oids: string[], signal?: AbortSignal): Promise<Varbind[]> {
    const vbs = await this.getSome(oids, signal);
    return oids.map((oid) => {
      const vb = vbs.get(oid);
      if (!vb) throw new SnmpError('snmp-no-object', `SNMP: no such object ${oid}`, { oid });
      return vb;
    });
  }

  /** GET where absent objects are simply left out of the result. */
  getSome(oids: string[], signal?: AbortSignal): Promise<Map<string, Varbind>> {
    return this.request<Map<string, Varbind>>(signal, (session, done) => {
      session.get(oids, (error, varbinds) => {
        if (error) return done(error);
        const out = new Map<string, Varbind>();
        for (const vb of varbinds ?? []) if (!isMissing(vb)) out.set(vb.oid, vb);
        done(null, out);
      });
    });
  }

  /** Every object under `oid` (GETBULK on v2c/v3), in OID order. */
  walk(oid: string, signal?: AbortSignal, maxRepetitions = 20): Promise<Varbind[]> {
    return this.request<Varbind[]>(signal, (session, done) => {
      const out: Varbind[] = [];
      session.subtree(
        oid,
        maxRepetitions,
        (varbinds) => {
          for (const vb of varbinds) if (!isMissing(vb)) out.push(vb);
        },
        (error) => (error ? done(error) : done(null, out)),
      );
    });
  }

  /**
   * A conceptual table: rows keyed by their index (the OID part after the column), each row a map of
   * column number → varbind. `columns` limits the walk to those columns (fewer round trips).
   */
  async table(tableOid: string, signal?: AbortSignal, columns?: number[]): Promise<Map<string, Map<number, Varbind>>> {
    const entry = `${tableOid}.1`;
    const walks = columns ? columns.map((c) => this.walk(`${entry}.${c}`, signal)) : [this.walk(entry, signal)];
    const rows = new Map<string, Map<number, Varbind>>();
    for (const vbs of await Promise.all(walks)) {
      for (const vb of vbs) {
        const rest = vb.oid.slice(entry.length + 1);
        const dot = rest.indexOf('.');
        if (dot < 0) continue;
        const column = Number(rest.slice(0, dot));
        const index = rest.slice(dot + 1);
        let row = rows.get(index);
        if (!row) rows.set(index, (row = new Map()));
        row.set(column, vb);
      }
    }
    return rows;
  }

  close(): void {
    const s = this.session;
    this.session = null;
    if (s) {
      try {
        s.close();
      } catch {
        // already closed by a socket error
      }
    }
  }

  private open(): Session {
    if (this.session) return this.session;
    const { host, port, credentials: c, timeoutMs, retries } = this.target;
    const options = { port, timeout: timeoutMs, retries, backoff: 1 };
    const lib = snmp();
    const session =
      c.version === 'v2c'
        ? lib.createSession(host, c.community, { ...options, version: lib.Version2c })
        : lib.createV3Session(
            host,
            {
              name: c.user,
              level: lib.SecurityLevel.authPriv,
              authProtocol: lib.AuthProtocols[c.authProtocol],
              authKey: c.authKey,
              privProtocol: lib.PrivProtocols[c.privProtocol],
              privKey: c.privKey,
            },
            { ...options, version: lib.Version3 },
          );
    // A socket error must not become an unhandled 'error' event; the pending requests fail with it.
    session.on('error', () => {
      if (this.session === session) this.close();
    });
    this.session = session;
    return session;
  }

  private request<T>(signal: AbortSignal | undefined, run: (s: Session, done: (err: Error | null, v?: T) => void) => void): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(abortError(signal));
        // Closing cancels the outstanding requests of this session (net-snmp: "Socket forcibly closed").
        this.close();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (err: Error | null, v?: T) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(this.mapError(err));
        else resolve(v as T);
      };
      try {
        run(this.open(), done);
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private mapError(err: Error): SnmpError {
    if (err instanceof SnmpError) return err;
    // Wrong community or v2c/v3 keys the agent drops silently also end here (TESTING.md §SNMP).
    if (err instanceof snmp().RequestTimedOutError) return new SnmpError('snmp-timeout', `SNMP: timeout after ${this.target.retries} retries`);
    if (err instanceof snmp().ResponseInvalidError && err.code === E_AUTH_FAILURE) return new SnmpError('snmp-auth', `SNMP: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code && UNRESOLVED.has(code)) return new SnmpError('dns', `SNMP: host unreachable (cannot resolve ${this.target.host})`, { host: this.target.host });
    if (code && UNREACHABLE.has(code)) return new SnmpError('unreachable', 'SNMP: host unreachable');
    // Varbind errors inside table()/subtree() come back as RequestFailedError "NoSuchObject: <oid>".
    const missing = /^(NoSuchObject|NoSuchInstance|EndOfMibView): (\S+)/.exec(err.message);
    if (missing?.[2]) return new SnmpError('snmp-no-object', `SNMP: no such object ${missing[2]}`, { oid: missing[2] });
    return new SnmpError('snmp-error', `SNMP: ${err.message}`);
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const r: unknown = signal?.reason;
  return r instanceof Error ? r : new SnmpError('check-failed', 'SNMP: aborted');
}
