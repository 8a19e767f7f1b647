/**
 * Who is logged in (GET/POST /api/session) and what people did (GET /api/audit).
 * Free of Node imports: the dashboard bundles it.
 */

/** Who is logged in, as GET/POST /api/session answer it (never a password hash). */
export interface SessionUser {
  username: string;
  role: 'viewer' | 'leader' | 'admin';
  /** The villages a leader leads or a viewer is limited to; empty = every village (viewer, admin). */
  villages: string[];
}

/** GET /api/session (200, or 401 when nobody is logged in) and POST /api/session (login). */
export interface SessionResponse {
  user: SessionUser;
}

/** POST /api/session body. */
export interface LoginRequest {
  username: string;
  password: string;
}

/** One line of the audit log (GET /api/audit, admins only): who did what, when, from where. */
export interface AuditEntryView {
  id: number;
  ts: number;
  /** A user name; `cli:<os user>` for the command line; the name typed for a failed login. */
  who: string;
  /**
   * `login`, `login-failed`, `logout`, `alert-ack`, `alert-note`, `maintenance-add`, `maintenance-remove`,
   * `meeting-add`, `meeting-remove`, `discovery`, `device-dismiss`, `user-add`, `user-passwd`, `user-role`,
   * `user-remove`, `mqtt-credentials`, … (hub/security/audit.ts); the dashboard names the ones it knows.
   */
  action: string;
  /** What it was done to: `alert:12`, `maintenance:3`, `dong-cam/cam-1`, a user name. */
  target: string | null;
  village: string | null;
  detail: Record<string, string | number | boolean | null>;
  /** The address the request came from; null for the command line. */
  ip: string | null;
}

/** GET /api/audit?limit=&before= (newest first). */
export interface AuditResponse {
  entries: AuditEntryView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: number | null;
}
