import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import { slug } from '../config/schema.js';
import type { HubContext } from '../context.js';
import { canRead, readsEverything, type Principal } from '../security/roles.js';
import { HUB_WIDE, type ClientToServerEvents, type ServerToClientEvents } from '../../shared/events.js';
import type { WebAuth } from './auth.js';
import type { HostCheck } from './hosts.js';

/**
 * Who receives which live push, and who may open a live connection at all (DESIGN.md §7).
 * The socket.io handshake must come with a live session cookie, for one of the hub's own host names, from
 * one of its own pages; otherwise it is refused (403) before a connection exists. Each socket then joins
 * the rooms of what its user may read: `hub` (hub-wide pushes, everyone), `all` (users who read every
 * village) or `v:<village>` per village. Every event has a rule below; the table is typed over the event
 * lists of shared/events.ts, so a new event does not compile without one (test/web/socket-access.test.ts
 * checks each against each role).
 */

export const HUB_ROOM = 'hub';
export const ALL_ROOM = 'all';
export const villageRoom = (village: string): string => `v:${village}`;

/** The rooms a push about `village` goes to (hub-wide things go to every logged-in socket). */
export function roomsFor(village: string): string[] {
  return village === HUB_WIDE ? [HUB_ROOM] : [ALL_ROOM, villageRoom(village)];
}

/**
 * - `self`: sent to the connecting socket only (its own greeting);
 * - `village`: sent only to sockets whose user may read the village the payload is about;
 * - `hub-wide`: about the hub itself (its Internet link), sent to every logged-in socket;
 * - `login`: from the browser, accepted from any logged-in socket and never reaching past what its user may read.
 */
export type SocketRule = 'self' | 'village' | 'hub-wide' | 'login';

export const serverEventRules: { [E in keyof ServerToClientEvents]-?: Exclude<SocketRule, 'login'> } = {
  hello: 'self',
  'device:state': 'village',
  'device:reading': 'village',
  'device:event': 'village',
  'device:added': 'village',
  'device:removed': 'village',
  alert: 'village',
  internet: 'hub-wide',
};

export const clientEventRules: { [E in keyof ClientToServerEvents]-?: 'login' } = {
  'watch:villages': 'login',
};

export interface SocketData {
  principal: Principal;
  /** The session token the socket was opened with: the socket ends when the session does. */
  token: string;
}

export type HubIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const watchSchema = z.array(slug).max(500);

/** A page of another site may not open a live connection (CSRF); absent Origin = not a browser page. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export class SocketAccess {
  private readonly handshakes = new WeakMap<IncomingMessage, SocketData>();

  constructor(
    private readonly ctx: Pick<HubContext, 'counters' | 'log'>,
    private readonly auth: WebAuth,
    private readonly hosts: HostCheck,
  ) {}

  /** socket.io's `allowRequest`: runs on the handshake request, before any connection exists. */
  allowRequest(req: IncomingMessage, cb: (err: string | null | undefined, success: boolean) => void): void {
    const refuse = (why: string): void => {
      this.ctx.counters.inc('socket.refused');
      cb(why, false);
    };
    if (!this.hosts.allows(req.headers.host)) return refuse(`this hub does not answer to the host name "${String(req.headers.host ?? '').slice(0, 200)}"`);
    if (!sameOrigin(req)) return refuse('live updates are served to the hub\'s own pages only');
    const session = this.auth.resolve(req);
    if (!session) return refuse('log in first');
    this.handshakes.set(req, session);
    cb(null, true);
  }

  /** Sets up a new socket: its user, its rooms, its `watch:villages`. False when it was refused. */
  accept(socket: HubSocket): boolean {
    const session = this.handshakes.get(socket.request);
    if (!session) {
      socket.disconnect(true);
      return false;
    }
    socket.data.principal = session.principal;
    socket.data.token = session.token;
    this.join(socket, []);
    socket.on('watch:villages', (villages: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: { ok: boolean; error?: string }) => void) : () => undefined;
      const parsed = watchSchema.safeParse(villages);
      if (!parsed.success) {
        this.ctx.counters.inc('socket.bad_events');
        reply({ ok: false, error: 'watch:villages expects an array of village ids (lowercase slugs)' });
        return;
      }
      const refused = this.join(socket, parsed.data);
      if (refused.length > 0) {
        this.ctx.counters.inc('socket.refused_villages');
        reply({ ok: false, error: `not allowed to see village(s): ${refused.join(', ')}` });
      } else reply({ ok: true });
    });
    return true;
  }

  /** Ends the sockets opened with a session token (logout). */
  endSession(io: HubIo, token: string): void {
    for (const s of io.of('/').sockets.values()) if (s.data.token === token) s.disconnect(true);
  }

  /**
   * Ends the sockets whose session has expired or was revoked (a password changed from the command line),
   * and those whose user's role or villages changed since: the browser reconnects into the right rooms.
   */
  revalidate(io: HubIo): void {
    const scope = (p: Principal): string => `${p.role}:${[...p.villages].sort().join(',')}`;
    for (const s of io.of('/').sockets.values()) {
      const p = this.auth.resolveToken(s.data.token);
      if (!p || scope(p) !== scope(s.data.principal)) s.disconnect(true);
    }
  }

  /** Joins the rooms for `villages` (empty = all the user may read); returns the ones refused. */
  private join(socket: HubSocket, villages: readonly string[]): string[] {
    const p = socket.data.principal;
    for (const room of socket.rooms) if (room !== socket.id) void socket.leave(room);
    void socket.join(HUB_ROOM);
    if (villages.length === 0) {
      if (readsEverything(p)) void socket.join(ALL_ROOM);
      else for (const v of p.villages) void socket.join(villageRoom(v));
      return [];
    }
    const refused: string[] = [];
    for (const v of villages) {
      if (canRead(p, v)) void socket.join(villageRoom(v));
      else refused.push(v);
    }
    return refused;
  }
}
