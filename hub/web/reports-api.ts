import type { Request, Response } from 'express';
import { reportScope } from '../reports/scope.js';
import type { AlertStore } from '../alerts/store.js';
import type { HubContext } from '../context.js';
import { alertsCsv, uptimeCsv } from '../reports/csv.js';
import { periodRange, uptimeReport, type DeviceUptime, type Period, type UptimeReport, type VillageUptime } from '../reports/report.js';
import { readableVillages, readsEverything, type Principal } from '../security/roles.js';
import { HUB_WIDE, type DeviceUptimeView, type UptimeAllResponse, type VillageUptimeView } from '../../shared/events.js';
import { zodIssues, rejectInput, sendError } from './api.js';
import { mayIn, rules, secureRouter, who } from './access.js';
import { alertsCsvQuery, checkAlertFilter, csvLang, uptimeCsvQuery, uptimeQuery, uptimePeriod } from './report-params.js';

/** The most alerts one CSV holds (newest first): years of a village's alerts, a bounded answer. */
const ALERT_CSV_MAX = 50_000;

function deviceView(d: DeviceUptime): DeviceUptimeView {
  const { name: _name, kind: _kind, ...rest } = d;
  return rest;
}

function villageView(v: VillageUptime): VillageUptimeView {
  const { name: _n, commune: _c, timezone: _t, worst, devices, ...figures } = v;
  return { ...figures, worst: worst ? { device: worst.device, uptimePct: worst.uptimePct } : null, devices: devices.map(deviceView) };
}

/** The villages a query covers: the one named (after the read check), else every one the user may read. */
function villagesFor(ctx: HubContext, res: Response, village: string | undefined): string[] | null {
  if (village !== undefined) return mayIn(res, 'read', village) ? [village] : null;
  return readableVillages(who(res), reportScope(ctx).villages.map((v) => v.id));
}

/**
 * GET /api/uptime without a village for one user: every village they may read (the role rule of villagesFor),
 * also used for the page's first view. Throws when the store fails.
 */
export async function uptimeAllFor(ctx: HubContext, p: Principal, period: Period): Promise<UptimeAllResponse> {
  const villages = readableVillages(p, reportScope(ctx).villages.map((v) => v.id));
  const rep = await uptimeReport({ config: reportScope(ctx), store: ctx.store, now: ctx.clock.now() }, { villages, period });
  return { villages: rep.villages.map(villageView) };
}

async function report(ctx: HubContext, res: Response, villages: string[], period: Period, device: string | undefined): Promise<UptimeReport | null> {
  try {
    return await uptimeReport({ config: reportScope(ctx), store: ctx.store, now: ctx.clock.now() }, { villages, period, ...(device !== undefined ? { device } : {}) });
  } catch (err) {
    ctx.counters.inc('api.store_errors');
    ctx.log.error({ err: (err as Error).message }, 'uptime report failed');
    sendError(res, 503, `metric store unavailable: ${(err as Error).message}`, undefined, 'store-unavailable');
    return null;
  }
}

/** "uptime-dong-cam-2026-11.csv", "uptime-2026-11-01_2026-11-08.csv": what the file is, in its name. */
function fileName(what: string, ctx: HubContext, village: string | undefined, period: Period): string {
  const tz = reportScope(ctx).villages.find((v) => v.id === village)?.timezone ?? reportScope(ctx).villages[0]?.timezone ?? 'Asia/Ho_Chi_Minh';
  let when: string;
  if ('month' in period) when = period.month;
  else {
    const r = periodRange(period, tz);
    const day = (ts: number) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ts));
    when = `${day(r.from)}_${day(r.to)}`;
  }
  return `${what}${village ? `-${village}` : ''}-${when}.csv`;
}

function sendCsv(res: Response, name: string, body: string): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.send(body);
}

/**
 * GET /api/uptime?village=V&device=D&from=&to= (or month=YYYY-MM): a device's figures; without device the
 * village's, with each device's; without village every village the user may read (docs/reports.md).
 */
export function uptimeRouter(ctx: HubContext) {
  const r = secureRouter();
  r.get('/', rules.login, async (req: Request, res: Response) => {
    const q = uptimeQuery.safeParse(req.query);
    if (!q.success) return rejectInput(ctx, res, 'invalid uptime query', zodIssues(q.error));
    const period = uptimePeriod(ctx, res, q.data, 'invalid uptime query');
    if (period === false) return;
    const villages = villagesFor(ctx, res, q.data.village);
    if (villages === null) return;
    const rep = await report(ctx, res, villages, period, q.data.device);
    if (!rep) return;
    if (q.data.device !== undefined) {
      const d = rep.villages[0]?.devices[0];
      if (!d) return sendError(res, 404, `no device "${q.data.device}" in village "${q.data.village}"`, undefined, 'not-found');
      return res.json(deviceView(d));
    }
    if (q.data.village !== undefined) return res.json(villageView(rep.villages[0]!));
    const body: UptimeAllResponse = { villages: rep.villages.map(villageView) };
    res.json(body);
  });
  return r.router;
}

/** GET /api/reports/uptime.csv and /api/reports/alerts.csv: the same figures and filters as the JSON, for Excel. */
export function reportsRouter(ctx: HubContext, alerts: AlertStore) {
  const r = secureRouter();
  r.get('/uptime.csv', rules.login, async (req: Request, res: Response) => {
    const q = uptimeCsvQuery.safeParse(req.query);
    if (!q.success) return rejectInput(ctx, res, 'invalid uptime report query', zodIssues(q.error));
    const { lang, ...rest } = q.data;
    const period = uptimePeriod(ctx, res, rest, 'invalid uptime report query');
    if (period === false) return;
    const villages = villagesFor(ctx, res, q.data.village);
    if (villages === null) return;
    const rep = await report(ctx, res, villages, period, q.data.device);
    if (!rep) return;
    sendCsv(res, fileName('uptime', ctx, q.data.village, period), uptimeCsv(rep, csvLang(req, lang)));
  });

  r.get('/alerts.csv', rules.login, (req: Request, res: Response) => {
    const q = alertsCsvQuery.safeParse(req.query);
    if (!q.success) return rejectInput(ctx, res, 'invalid alert report query', zodIssues(q.error));
    if (!checkAlertFilter(ctx, res, q.data, 'invalid alert report query')) return;
    if (q.data.village !== undefined && !mayIn(res, 'read', q.data.village)) return;
    const p = who(res);
    const { lang, ...filter } = q.data;
    const list = alerts.list({ ...filter, limit: ALERT_CSV_MAX, ...(readsEverything(p) ? {} : { villages: p.villages }) });
    const { villages, devices } = ctx.config;
    const all = villages.map((v) => v.name).join(', ');
    const names = {
      village: (id: string) => {
        const v = villages.find((x) => x.id === id);
        return { name: id === HUB_WIDE ? all : (v?.name ?? id), timezone: (v ?? villages[0])?.timezone ?? 'Asia/Ho_Chi_Minh' };
      },
      device: (village: string, device: string) => devices.find((d) => d.village === village && d.id === device)?.name ?? device,
    };
    const now = ctx.clock.now();
    const from = q.data.from ?? list.reduce((m, a) => Math.min(m, a.startedAt), now);
    sendCsv(res, fileName('alerts', ctx, q.data.village, { from, to: q.data.to ?? now }), alertsCsv(list, names, csvLang(req, lang), now));
  });
  return r.router;
}
