import { z } from 'zod';
import { CheckError, type CheckResult, type DeviceDriver } from '../driver.js';
import { httpProbe, tcpProbe } from '../probes.js';

/**
 * A network video recorder (the box the cameras record to): its recording/stream port must accept a
 * connection, and, when `httpUrl` is given, its web page must answer. An NVR that stops answering
 * means the cameras' footage is not being kept, even while each camera still looks online.
 */
export const nvrConfigSchema = z.strictObject({
  intervalS: z.number().positive().max(86_400).default(10),
  timeoutS: z.number().positive().max(300).default(3),
  retries: z.number().int().min(0).max(10).default(1),
  host: z.string().min(1, 'expected the address of the recorder, e.g. 192.168.1.30'),
  /** The port that must accept a connection: RTSP (554) on most recorders; 8000 (Hikvision SDK) or 37777 (Dahua) also work. */
  tcpPort: z.number().int().min(1).max(65_535).default(554),
  /** The recorder's web page, checked for a 2xx answer (optional). */
  httpUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type NvrSettings = z.infer<typeof nvrConfigSchema>;

export const nvrDriver: DeviceDriver<NvrSettings> = {
  kind: 'nvr',
  configSchema: nvrConfigSchema,
  create: ({ settings }) => ({
    async check(signal: AbortSignal): Promise<CheckResult> {
      const deadlineMs = Math.max(50, Math.floor(settings.timeoutS * 1000 * 0.9));
      const [tcp, http] = await Promise.all([
        tcpProbe(settings.host, settings.tcpPort, deadlineMs, signal),
        settings.httpUrl === undefined ? null : httpProbe(settings.httpUrl, {}, deadlineMs, signal),
      ]);
      if (!tcp.ok) throw new CheckError(tcp.code, `TCP ${settings.host}:${settings.tcpPort}: ${tcp.why}`, tcp.params);
      const fields: CheckResult['fields'] = { rttMs: tcp.ms };
      if (http === null) return { fields };
      fields.webOk = http.ok;
      if (http.ok) return { fields: { ...fields, webMs: http.ms } };
      return { fields, down: { code: 'part-down', params: { ...http.params, part: 'web', partCode: http.code }, detail: `web ${settings.httpUrl}: ${http.why}` } };
    },
  }),
};
