import { z } from 'zod';
import type { DeviceKind } from '../../hub/config/schema.js';
import { CheckError, type CheckResult, type DeviceDriver } from '../driver.js';
import { icmpProbe, tcpProbe } from '../probes.js';

/**
 * Network gear that speaks no MQTT (the village router, a switch, anything with an address): reachable
 * or not, by ping or, where ICMP is blocked, by a TCP connect. Polling the router and switch is what
 * makes `parent:` dependencies work with real equipment: when they stop answering, the devices behind
 * them become unreachable and one root-cause alert goes out.
 */
export const networkConfigSchema = z.strictObject({
  // Fast enough that a parent is known down as soon as the devices behind it (DESIGN.md §4).
  intervalS: z.number().positive().max(86_400).default(3),
  timeoutS: z.number().positive().max(300).default(2),
  retries: z.number().int().min(0).max(10).default(1),
  host: z.string().min(1, 'expected the address of the device, e.g. 192.168.1.1'),
  /** Check with a TCP connect to this port instead of ping (for gear that drops ICMP). */
  tcpPort: z.number().int().min(1).max(65_535).optional(),
});
export type NetworkSettings = z.infer<typeof networkConfigSchema>;

export function networkDriver(kind: DeviceKind): DeviceDriver<NetworkSettings> {
  return {
    kind,
    configSchema: networkConfigSchema,
    create: ({ settings }) => ({
      async check(signal: AbortSignal): Promise<CheckResult> {
        const deadlineMs = settings.timeoutS * 1000;
        const r =
          settings.tcpPort === undefined
            ? await icmpProbe(settings.host, deadlineMs, signal)
            : await tcpProbe(settings.host, settings.tcpPort, deadlineMs, signal);
        const what = settings.tcpPort === undefined ? `ping ${settings.host}` : `TCP ${settings.host}:${settings.tcpPort}`;
        if (!r.ok) throw new CheckError(r.code, `${what}: ${r.why}`, r.params);
        return { fields: { rttMs: r.ms } };
      },
    }),
  };
}
