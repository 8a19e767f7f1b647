import { z } from 'zod';
import type { CheckResult, DeviceDriver } from '../driver.js';
import { httpProbe, icmpProbe, tcpProbe, type ProbeFailure, type ProbeResult } from '../probes.js';

/**
 * A check's name becomes the telemetry fields `<name>Ok` and `<name>Ms`, and metric names allow only
 * letters, digits and "_" (hub/ingest/payloads.ts): so no "-" here, unlike device ids.
 */
const checkName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'expected a short lowercase name: a-z, 0-9 and "_", starting with a letter (e.g. codec, display, camera)');

const common = {
  name: checkName,
  /** A failing required check takes the meeting set offline; an optional one only shows in its fields. */
  required: z.boolean().default(true),
};

export const meetingCheckSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('icmp'), host: z.string().min(1) }),
  z.strictObject({ ...common, type: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65_535) }),
  z.strictObject({
    ...common,
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/ }),
    expectStatus: z.number().int().min(100).max(599).optional(),
    keyword: z.string().min(1).optional(),
  }),
]);
export type MeetingCheck = z.infer<typeof meetingCheckSchema>;

export const meetingRoomConfigSchema = z
  .strictObject({
    intervalS: z.number().positive().max(86_400).default(15),
    timeoutS: z.number().positive().max(300).default(5),
    retries: z.number().int().min(0).max(10).default(1),
    checks: z.array(meetingCheckSchema).min(1, 'expected at least one check (codec, display, camera…)'),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.checks.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['checks', i, 'name'], message: `duplicate check name "${c.name}"` });
      seen.add(c.name);
    });
  });
export type MeetingRoomSettings = z.infer<typeof meetingRoomConfigSchema>;

function probe(c: MeetingCheck, deadlineMs: number, signal: AbortSignal): Promise<ProbeResult> {
  switch (c.type) {
    case 'icmp':
      return icmpProbe(c.host, deadlineMs, signal);
    case 'tcp':
      return tcpProbe(c.host, c.port, deadlineMs, signal);
    case 'http':
      return httpProbe(c.url, { expectStatus: c.expectStatus, keyword: c.keyword }, deadlineMs, signal);
  }
}

/**
 * Checks every part of the meeting set in parallel. Each probe has its own deadline a little inside
 * the runner's timeout, so one hung part is reported by name ("codec: no answer within 4.5 s") instead
 * of the whole check timing out anonymously.
 */
export function meetingRoomCheck(s: MeetingRoomSettings) {
  const deadlineMs = Math.max(50, Math.floor(s.timeoutS * 1000 * 0.9));
  return async (signal: AbortSignal): Promise<CheckResult> => {
    const results = await Promise.all(s.checks.map((c) => probe(c, deadlineMs, signal)));
    const fields: Record<string, number | boolean> = {};
    const failed: Array<{ name: string; r: ProbeFailure }> = [];
    s.checks.forEach((c, i) => {
      const r = results[i];
      if (!r) return;
      fields[`${c.name}Ok`] = r.ok;
      if (r.ok) fields[`${c.name}Ms`] = r.ms;
      else if (c.required) failed.push({ name: c.name, r });
    });
    const first = failed[0];
    if (!first) return { fields };
    // People read the first part that failed (with its own reason) and how many more; the raw text lists all.
    const params = { ...first.r.params, part: first.name, partCode: first.r.code, ...(failed.length > 1 ? { more: failed.length - 1 } : {}) };
    return { fields, down: { code: 'part-down', params, detail: failed.map((f) => `${f.name}: ${f.r.why}`).join('; ') } };
  };
}

export const meetingRoomDriver: DeviceDriver<MeetingRoomSettings> = {
  kind: 'meeting-room',
  configSchema: meetingRoomConfigSchema,
  create: (ctx) => ({ check: meetingRoomCheck(ctx.settings) }),
};
