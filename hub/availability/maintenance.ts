import type { MaintenanceConfig } from '../config/alerts.js';
import type { HubContext } from '../context.js';
import { minutesOfDay, parseZoned, previousWeekday, zonedParts, type Weekday } from '../../shared/time.js';

/** A maintenance window as the calendar uses it; `id` is `cfg-<n>` for config ones, numeric for API ones. */
export interface MaintenanceWindow extends MaintenanceConfig {
  id: string;
  source: 'config' | 'api';
  createdBy?: string;
}

interface Row {
  id: number;
  spec: string;
  created_by: string | null;
}

/**
 * Maintenance windows (DESIGN.md §4): one-off (from–to) or recurring (daily or on weekdays, start–end
 * in the village's time zone; an end before the start crosses midnight). No alerts during them and
 * the time is excluded from uptime. Windows come from the config and from the API (kept in SQLite).
 */
export class MaintenanceCalendar {
  private windows: MaintenanceWindow[] = [];

  constructor(private readonly ctx: Pick<HubContext, 'config' | 'state'>) {}

  load(): void {
    const fromConfig = this.ctx.config.maintenance.map((m, i) => ({ ...m, id: `cfg-${i}`, source: 'config' as const }));
    const rows = this.ctx.state.prepare('SELECT id, spec, created_by FROM maintenance ORDER BY id').all() as Row[];
    const fromApi = rows.map((r) => ({
      ...(JSON.parse(r.spec) as MaintenanceConfig),
      id: String(r.id),
      source: 'api' as const,
      ...(r.created_by ? { createdBy: r.created_by } : {}),
    }));
    this.windows = [...fromConfig, ...fromApi];
  }

  list(): MaintenanceWindow[] {
    return this.windows;
  }

  add(spec: MaintenanceConfig, createdBy: string | undefined, now: number): MaintenanceWindow {
    const r = this.ctx.state
      .prepare('INSERT INTO maintenance (spec, created_at, created_by) VALUES (?, ?, ?)')
      .run(JSON.stringify(spec), now, createdBy ?? null);
    const w: MaintenanceWindow = { ...spec, id: String(r.lastInsertRowid), source: 'api', ...(createdBy ? { createdBy } : {}) };
    this.windows.push(w);
    return w;
  }

  /** Removes an API window; config windows are removed by editing the config. */
  remove(id: string): 'removed' | 'not-found' | 'config' {
    const w = this.windows.find((x) => x.id === id);
    if (!w) return 'not-found';
    if (w.source === 'config') return 'config';
    this.ctx.state.prepare('DELETE FROM maintenance WHERE id = ?').run(Number(id));
    this.windows = this.windows.filter((x) => x.id !== id);
    return 'removed';
  }

  /** The window covering this device (or its whole village) at `ts`, if any. */
  active(village: string, device: string, ts: number): MaintenanceWindow | null {
    for (const w of this.windows) {
      if (w.village !== village || (w.device !== undefined && w.device !== device)) continue;
      if (covers(w, ts, this.timezone(village))) return w;
    }
    return null;
  }

  private timezone(village: string): string {
    return this.ctx.config.villages.find((v) => v.id === village)?.timezone ?? 'Asia/Ho_Chi_Minh';
  }
}

export function covers(w: MaintenanceConfig, ts: number, tz: string): boolean {
  if (w.from !== undefined && w.to !== undefined) return ts >= parseZoned(w.from, tz) && ts < parseZoned(w.to, tz);
  if (w.start === undefined || w.end === undefined) return false;
  const p = zonedParts(ts, tz);
  const m = p.hour * 60 + p.minute;
  const s = minutesOfDay(w.start);
  const e = minutesOfDay(w.end);
  const on = (d: Weekday) => w.daily === true || (w.days ?? []).includes(d);
  if (s < e) return m >= s && m < e && on(p.weekday);
  // Crosses midnight: the part after midnight belongs to the window that started the day before.
  return (m >= s && on(p.weekday)) || (m < e && on(previousWeekday(p.weekday)));
}
