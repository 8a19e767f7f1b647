/**
 * Types shared by the hub's web server and the browser dashboard: REST responses and socket.io events,
 * one file per area in shared/events/. Import from here; the path stays the same as the areas grow.
 * Everything here must stay free of Node imports: the dashboard bundles it.
 */
export * from './events/devices.js';
export * from './events/health.js';
export * from './events/uplink.js';
export * from './events/errors.js';
export * from './events/session.js';
export * from './events/alerts.js';
export * from './events/schedule.js';
export * from './events/uptime.js';
export * from './events/socket.js';
