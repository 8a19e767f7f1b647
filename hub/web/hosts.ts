import { hostname, networkInterfaces } from 'node:os';
import type { NextFunction, Request, Response } from 'express';
import type { HubContext } from '../context.js';
import { sendError } from './errors.js';

/**
 * The Host header check that defeats DNS rebinding: a page on the public Wi-Fi can make its own name
 * resolve to the hub's address, but the browser still sends that name as Host. Only the hub's own names
 * are answered: `http.allowedHosts` when set (a name alone: any port; `name:port`: that port), else this
 * PC's interface addresses and host name with the listening port. Loopback names (localhost, 127.0.0.1,
 * [::1]) are always answered: no page elsewhere can send them.
 */

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
/** Interface addresses change (DHCP, a cable plugged in): looked up again at most this often. */
const REFRESH_MS = 30_000;

interface HostPort {
  name: string;
  port: number | null;
}

/** `name`, `name:port`, `[v6]`, `[v6]:port` → lowercase name (v6 in brackets) and port; null if malformed. */
export function parseHost(text: string): HostPort | null {
  const s = text.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.%a-z]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65_535)) return null;
  return { name: m[1]!.replace(/\.$/, ''), port };
}

/** This PC's own names: its interface addresses (IPv6 in brackets) and host name. */
export function ownHostNames(): string[] {
  const names = new Set<string>(LOOPBACK);
  const host = hostname().toLowerCase();
  if (host) {
    names.add(host);
    names.add(`${host}.local`);
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      names.add(a.family === 'IPv6' ? `[${a.address.replace(/%.*$/, '').toLowerCase()}]` : a.address);
    }
  }
  return [...names];
}

export class HostCheck {
  private own: { names: Set<string>; at: number } | null = null;
  private readonly configured: HostPort[];

  constructor(
    configured: readonly string[],
    /** The port the web server listens on (known once it listens). */
    private readonly port: () => number,
    private readonly tls: boolean,
    private readonly names: () => string[] = ownHostNames,
    private readonly now: () => number = Date.now,
  ) {
    this.configured = configured.map((c) => parseHost(c)).filter((c): c is HostPort => c !== null);
  }

  allows(header: string | undefined): boolean {
    if (!header) return false;
    const h = parseHost(header);
    if (!h) return false;
    const port = h.port ?? (this.tls ? 443 : 80);
    if (LOOPBACK.includes(h.name) && port === this.port()) return true;
    if (this.configured.length > 0) return this.configured.some((c) => c.name === h.name && (c.port === null || c.port === port));
    return port === this.port() && this.ownNames().has(h.name);
  }

  private ownNames(): Set<string> {
    const now = this.now();
    if (!this.own || now - this.own.at > REFRESH_MS) this.own = { names: new Set(this.names()), at: now };
    return this.own.names;
  }
}

/** Express middleware: a foreign Host gets 421 Misdirected Request, as JSON, before anything else runs. */
export function hostGuard(ctx: Pick<HubContext, 'counters' | 'log'>, check: HostCheck) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (check.allows(req.headers.host)) return next();
    ctx.counters.inc('http.host_refused');
    ctx.log.warn({ module: 'web', host: String(req.headers.host ?? '').slice(0, 200), ip: req.socket.remoteAddress }, 'request for a host name that is not this hub refused');
    sendError(res, 421, `this hub does not answer to the host name "${String(req.headers.host ?? '').slice(0, 200)}" (add it to http.allowedHosts if it is one of its names)`, undefined, 'host-not-allowed');
  };
}
