import { z } from 'zod';
import { slug } from '../config/schema.js';

/** Request parameters several routes share, parsed once the same way everywhere. */

/** `/:village/:device` in a route path. */
export const deviceParams = z.strictObject({ village: slug, device: slug });

const instant = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

/** A query parameter that is an instant: ms since 1970 or an ISO 8601 date-time; the issue names what was expected. */
export function parseInstant(v: string | undefined, ctx: z.RefinementCtx): number | undefined {
  if (v === undefined) return undefined;
  const r = instant.safeParse(v);
  if (!r.success) {
    ctx.addIssue({ code: 'custom', message: 'expected milliseconds since 1970 or an ISO 8601 date-time (2026-11-25T08:00:00+07:00)', params: { code: 'invalid-date-time' } });
    return z.NEVER;
  }
  return r.data;
}

/** An optional instant in a query string. */
export const instantParam = z
  .string()
  .optional()
  .transform((v, ctx) => parseInstant(v, ctx));

/** `from` and `to` of a range query, both optional instants. */
export const rangeParams = { from: instantParam, to: instantParam };
