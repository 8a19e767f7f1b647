/**
 * Who may do what (DESIGN.md §7), shared by the hub (which enforces it on every route and socket event,
 * hub/web/access.ts) and the dashboard (which only hides what the hub would refuse anyway). Three roles:
 * - `viewer` reads: every village, or only the villages listed for them;
 * - `leader` reads and acts (acknowledges alerts, sets maintenance and meetings) for the listed villages;
 * - `admin` does everything: users, MQTT credentials, discovery, unregistered devices, the audit log.
 * Node-free: the dashboard bundles it.
 */
export const roles = ['viewer', 'leader', 'admin'] as const;
export type Role = (typeof roles)[number];

/** A logged-in person as every check sees them. `villages` empty = every village (viewer, admin). */
export interface Principal {
  id: number;
  username: string;
  role: Role;
  villages: readonly string[];
}

/** What a route or socket event needs: to read a village, to act in it, or to be an admin. */
export type Need = 'read' | 'act' | 'admin';

/** Hub-wide things (the Internet link, alerts about it) belong to every village of the hub. */
export const HUB_WIDE_VILLAGE = '*';

export function isAdmin(p: Pick<Principal, 'role'>): boolean {
  return p.role === 'admin';
}

/** Reads every village, present and future (an admin, or a viewer without a list). */
export function readsEverything(p: Pick<Principal, 'role' | 'villages'>): boolean {
  return p.role === 'admin' || (p.role === 'viewer' && p.villages.length === 0);
}

/** May this person see this village's devices, alerts and reports? */
export function canRead(p: Pick<Principal, 'role' | 'villages'>, village: string): boolean {
  if (p.role === 'admin' || village === HUB_WIDE_VILLAGE) return true;
  return p.villages.length === 0 ? p.role === 'viewer' : p.villages.includes(village);
}

/** May this person acknowledge, set maintenance or meetings in this village? */
export function canAct(p: Pick<Principal, 'role' | 'villages'>, village: string): boolean {
  if (p.role === 'admin') return true;
  if (p.role !== 'leader') return false;
  if (village === HUB_WIDE_VILLAGE) return p.villages.length > 0;
  return p.villages.includes(village);
}

export function allows(p: Pick<Principal, 'role' | 'villages'>, need: Need, village?: string): boolean {
  if (need === 'admin') return isAdmin(p);
  if (village === undefined) return need === 'read' ? true : p.role !== 'viewer';
  return need === 'read' ? canRead(p, village) : canAct(p, village);
}

/** The villages of `all` this person may read. */
export function readableVillages(p: Pick<Principal, 'role' | 'villages'>, all: readonly string[]): string[] {
  return all.filter((v) => canRead(p, v));
}
