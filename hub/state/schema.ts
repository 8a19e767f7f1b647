/**
 * The outbox's delivery columns (step 4), kept as they were when step 12 rebuilt the table around them
 * to let a message belong to a report instead of an alert.
 */
const OUTBOX_DELIVERY = `  change TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'expired', 'failed')),
  delivered_at INTEGER,
  payload TEXT NOT NULL`;

/**
 * Every table of the hub's relational state (DESIGN.md §5), in one place, applied when the state database
 * opens (StateDb.open, at start — never in a constructor). Each step runs once, in order; the applied
 * count is kept in SQLite's user_version, so an old database is brought up to date on start.
 */
export const migrations: string[] = [
  // 1: device states and the hub heartbeat
  `
  CREATE TABLE IF NOT EXISTS device_state (
  village TEXT NOT NULL,
  device  TEXT NOT NULL,
  state   TEXT NOT NULL,
  since   INTEGER,
  reason  TEXT,
  PRIMARY KEY (village, device)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS hub_heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), ts INTEGER NOT NULL);
  `,
  // 2: alerts and their history
  `
  CREATE TABLE IF NOT EXISTS alerts (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  key          TEXT NOT NULL,
  village      TEXT NOT NULL,
  device       TEXT,
  condition    TEXT NOT NULL,
  severity     TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  status       TEXT NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved')),
  started_at   INTEGER NOT NULL,
  acked_at     INTEGER,
  acked_by     TEXT,
  ack_note     TEXT,
  resolved_at  INTEGER,
  escalated_at INTEGER,
  detail       TEXT NOT NULL DEFAULT '{}'
  );
  CREATE UNIQUE INDEX IF NOT EXISTS alerts_open_key ON alerts (key) WHERE status != 'resolved';
  CREATE INDEX IF NOT EXISTS alerts_village ON alerts (village, id);
  CREATE TABLE IF NOT EXISTS alert_history (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  ts       INTEGER NOT NULL,
  action   TEXT NOT NULL CHECK (action IN ('fired', 'acknowledged', 'escalated', 'resolved', 'note')),
  who      TEXT,
  note     TEXT
  );
  CREATE INDEX IF NOT EXISTS alert_history_alert ON alert_history (alert_id, id);
  `,
  // 3: maintenance windows and meetings made over the API
  `
  CREATE TABLE IF NOT EXISTS maintenance (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      spec TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT
    );
  CREATE TABLE IF NOT EXISTS meetings (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      village    TEXT NOT NULL,
      start_at   INTEGER NOT NULL,
      title      TEXT NOT NULL,
      device     TEXT,
      created_at INTEGER NOT NULL
    );
  `,
  // 4: the notification outbox
  `
  CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idem_key TEXT NOT NULL,
  alert_id INTEGER NOT NULL,
${OUTBOX_DELIVERY}
  );
  -- One message per (alert, change, channel): a repeated bus event does not notify twice.
  CREATE UNIQUE INDEX IF NOT EXISTS outbox_once ON outbox (alert_id, change, channel_id);
  CREATE INDEX IF NOT EXISTS outbox_queue ON outbox (channel_id, status, id);
  CREATE INDEX IF NOT EXISTS outbox_status ON outbox (status, created_at);
  `,
  // 5: the village Internet-link probe was called "uplink"; that word now means the MQTT bridge upstream
  `
  UPDATE alerts SET condition = 'internet-down', key = 'internet-down:' || village WHERE condition = 'uplink-down';
  `,
  // 6: a device's reason as a code people read translated, with its parameters (JSON), beside the raw text
  `
  ALTER TABLE device_state ADD COLUMN reason_code TEXT;
  ALTER TABLE device_state ADD COLUMN reason_params TEXT;
  `,
  // 7: when the hub was not running (from its last heartbeat to its next start), to tell why a message is late
  `
  CREATE TABLE IF NOT EXISTS hub_away (
    from_ts INTEGER PRIMARY KEY,
    to_ts   INTEGER NOT NULL
  );
  `,
  // 8: unregistered devices an admin dismissed (hub/registry/dismissals.ts)
  `
  CREATE TABLE IF NOT EXISTS dismissed_devices (
  village      TEXT NOT NULL,
  device       TEXT NOT NULL,
  dismissed_at INTEGER NOT NULL,
  dismissed_by TEXT,
  PRIMARY KEY (village, device)
  ) WITHOUT ROWID;
  `,
  // 9: people who log in to the dashboard, their sessions, and who did what
  `
  CREATE TABLE IF NOT EXISTS users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    username   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    hash       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'leader', 'admin')),
    villages   TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ip           TEXT
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
  CREATE TABLE IF NOT EXISTS audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    ts      INTEGER NOT NULL,
    who     TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    village TEXT,
    detail  TEXT NOT NULL DEFAULT '{}',
    ip      TEXT
  );
  CREATE INDEX IF NOT EXISTS audit_log_ts ON audit_log (ts);
  `,
  // 10: MQTT accounts (device credentials, readers) and the client ids bound to them
  `
  CREATE TABLE IF NOT EXISTS mqtt_accounts (
    username          TEXT PRIMARY KEY,
    role              TEXT NOT NULL CHECK (role IN ('device', 'reader')),
    village           TEXT,
    device            TEXT,
    hash              TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    last_connected_at INTEGER,
    last_client_id    TEXT
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS mqtt_client_ids (
    client_id TEXT PRIMARY KEY,
    username  TEXT NOT NULL,
    bound_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 11: what was announced to Home Assistant (MQTT discovery), so a device gone from the configuration is
  // removed there on a later start; removals are kept a while to tell a Home Assistant that connects later
  `
  CREATE TABLE IF NOT EXISTS ha_discovery (
    topic        TEXT PRIMARY KEY,
    village      TEXT NOT NULL,
    device       TEXT NOT NULL,
    announced_at INTEGER NOT NULL,
    removed_at   INTEGER
  ) WITHOUT ROWID;
  `,
  // 12: scheduled uptime reports — each period produced once (even across restarts), delivered through the
  // outbox, whose rows now carry either an alert change or a report
  `
  CREATE TABLE IF NOT EXISTS report_runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    period     TEXT NOT NULL UNIQUE,
    from_ts    INTEGER NOT NULL,
    to_ts      INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE outbox_next (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idem_key TEXT NOT NULL,
  alert_id INTEGER,
  report_id INTEGER REFERENCES report_runs (id) ON DELETE CASCADE,
${OUTBOX_DELIVERY},
  CHECK ((alert_id IS NULL) <> (report_id IS NULL))
  );
  INSERT INTO outbox_next (id, idem_key, alert_id, change, channel_id, created_at, next_attempt_at, attempts, last_error, status, delivered_at, payload)
    SELECT id, idem_key, alert_id, change, channel_id, created_at, next_attempt_at, attempts, last_error, status, delivered_at, payload FROM outbox;
  DROP TABLE outbox;
  ALTER TABLE outbox_next RENAME TO outbox;
  CREATE UNIQUE INDEX outbox_once ON outbox (alert_id, change, channel_id);
  CREATE UNIQUE INDEX outbox_report_once ON outbox (report_id, channel_id);
  CREATE INDEX outbox_queue ON outbox (channel_id, status, id);
  CREATE INDEX outbox_status ON outbox (status, created_at);
  `,
];
