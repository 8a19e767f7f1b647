/**
 * The identifier patterns of the MQTT contract and the configuration, defined once (DESIGN.md §3).
 * Node-free and dependency-free: the hub, the device kinds and the dashboard import them.
 */

/** Village and device ids: they are MQTT topic levels, so lowercase slugs only. */
export const SLUG_PATTERN = /^[a-z0-9-]{1,64}$/;
export const SLUG_HINT = 'expected a lowercase slug: a-z, 0-9 and "-", 1 to 64 characters';

/** Metric names: they become InfluxDB field names and SQLite values, so letters, digits and "_". */
export const METRIC_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const METRIC_HINT = 'metric names start with a letter and use A-Z, a-z, 0-9, _ (at most 64 characters)';

/** Ids of rules and notification channels. */
export const IDENT_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const IDENT_HINT = 'expected a lowercase id: a-z, 0-9 and "-"';
