import type { Request, Response } from 'express';
import type { HubContext } from '../context.js';
import type { PrometheusMetrics } from '../export/prometheus.js';
import { rules, secureRouter } from './access.js';
import { clientIp } from './auth.js';
import { sendError } from './errors.js';

/**
 * GET /metrics: the hub's figures in Prometheus' text format, for a logged-in admin or a scraper sending
 * `Authorization: Bearer <export.prometheus.token>` (README "With Home Assistant, Prometheus, Grafana").
 */
export function metricsRouter(ctx: HubContext, metrics: PrometheusMetrics) {
  const token = {
    expected: () => ctx.config.export.prometheus.token,
    refused: (req: Request) => {
      ctx.counters.inc('http.token_refused');
      ctx.log.warn({ module: 'web', ip: clientIp(req), path: req.originalUrl.slice(0, 200) }, 'metrics request with a wrong bearer token refused');
    },
  };
  return secureRouter().get('/', rules.adminOrToken(token), async (_req: Request, res: Response) => {
    try {
      const { contentType, text } = await metrics.scrape();
      res.setHeader('Cache-Control', 'no-store');
      res.type(contentType).send(text);
    } catch (err) {
      ctx.faults.report('metrics', err);
      sendError(res, 500, `metrics could not be collected: ${(err as Error).message}`);
    }
  }).router;
}
