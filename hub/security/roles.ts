/**
 * Who may do what: the rules live in shared/roles.ts, so the dashboard hides exactly what the hub refuses.
 * Checked on the server for every route and socket event (hub/web/access.ts).
 */
export * from '../../shared/roles.js';
