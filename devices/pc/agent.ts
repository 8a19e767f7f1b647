import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { Topics } from '../../hub/broker/topics.js';
import { deviceSchema, slug, villageSchema } from '../../hub/config/schema.js';
import { createLogger, type Logger } from '../../hub/core/log.js';
import { PolledDevice } from '../polled-device.js';
import { statusMessage } from '../publisher.js';
import { pcDriver, type PcSettings } from './driver.js';

export interface PcAgentOptions {
  /** The hub's broker, e.g. mqtt://192.168.1.10:1883. */
  url: string;
  village: string;
  device: string;
  /** Defaults to `<village>/<device>` when a password is given: the user name `langso device credentials` issues. */
  username?: string;
  password?: string;
  /** PEM certificate(s) to trust for an mqtts:// hub (the village's own CA). */
  ca?: Buffer;
  intervalS?: number;
  mounts?: PcSettings['mounts'];
  topicPrefix?: string;
  log?: Logger;
}

export interface PcAgent {
  /** Checks now and publishes (outside the schedule). */
  checkNow(): Promise<void>;
  /** Stops checking, disconnects cleanly and marks the PC offline with `reason` (not by Last Will). */
  stop(reason?: string): Promise<void>;
}

/**
 * The PC agent: the `pc` driver run on the PC itself, publishing to the hub's broker like any device
 * (client id `agent-<village>-<device>`, Last Will on its status topic).
 */
export async function runPcAgent(o: PcAgentOptions): Promise<PcAgent> {
  const village = villageSchema.parse({ id: o.village, name: o.village });
  const device = deviceSchema.parse({ id: o.device, village: o.village, name: o.device, kind: 'pc' });
  const settings = pcDriver.configSchema.parse({ intervalS: o.intervalS ?? 30, ...(o.mounts ? { mounts: o.mounts } : {}) });
  const topics = new Topics(o.topicPrefix ?? 'langso');
  const clientId = `agent-${village.id}-${device.id}`;
  const username = o.username ?? (o.password ? `${village.id}/${device.id}` : undefined);
  const polled = new PolledDevice({
    driver: pcDriver,
    settings,
    village,
    device,
    mqttUrl: o.url,
    topics,
    log: o.log ?? createLogger('info'),
    dataDir: tmpdir(),
    clientId,
    ...(username ? { mqttUsername: username } : {}),
    ...(o.password ? { mqttPassword: o.password } : {}),
    ...(o.ca ? { mqttCa: o.ca } : {}),
  });
  await polled.start();
  let stopped = false;
  return {
    async checkNow() {
      await polled.checkNow();
    },
    async stop(reason = 'agent stopped') {
      if (stopped) return;
      stopped = true;
      await polled.stop();
      // PolledDevice leaves the status as it was (a hub poller stopping says nothing about the device);
      // an agent on the PC stops when the PC shuts down, so the hub should hear "offline" now rather
      // than after its heartbeat timeout. One short connection with the same client id says so.
      const client = await mqtt
        .connectAsync(o.url, {
          clientId,
          reconnectPeriod: 0,
          connectTimeout: 3_000,
          ...(username ? { username } : {}),
          ...(o.password ? { password: o.password } : {}),
          ...(o.ca ? { ca: o.ca } : {}),
        })
        .catch(() => null);
      if (!client) return;
      await client.publishAsync(topics.status(village.id, device.id), JSON.stringify(statusMessage('offline', { code: 'agent-stopped', detail: reason })), { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync().catch(() => undefined);
    },
  };
}

export const PC_AGENT_USAGE = `Usage:
  langso agent pc --url mqtt://HUB:1883 --village V --device D [--interval 30]
                  [--mount PATH=LABEL ...] [--password-file FILE] [--username V/D]
                  [--ca FILE] [--prefix langso]

Reports this PC's cpuLoad, memUsedPct, diskFreePct and uptimeS to the hub every --interval seconds.
--mount adds a disk (field diskFreePct_LABEL), e.g. --mount D:\\=data or --mount /srv=data.

Credentials: on the hub, "langso device credentials V/D" prints the password once. Give it to the
agent in a file only its user can read (--password-file) or in LANGSO_MQTT_PASSWORD — never as a
flag, which every user sees in the process list. The user name is V/D unless --username says else.
TLS: --url mqtts://HUB:8883 with --ca FILE, the village's CA certificate (PEM) that signed the hub's.
`;

/** `langso agent pc …`: returns the exit code once stopped by SIGINT/SIGTERM. */
export async function pcAgentCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        village: { type: 'string' },
        device: { type: 'string' },
        interval: { type: 'string', default: '30' },
        mount: { type: 'string', multiple: true },
        username: { type: 'string' },
        'password-file': { type: 'string' },
        ca: { type: 'string' },
        prefix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${PC_AGENT_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(PC_AGENT_USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (positionals[0] !== 'pc') problems.push(`unknown agent "${positionals[0] ?? ''}": expected "pc"`);
  if (!values.url || !/^mqtts?:\/\//.test(values.url)) problems.push('--url: expected mqtt://HOST:PORT');
  for (const key of ['village', 'device'] as const) {
    if (!slug.safeParse(values[key] ?? '').success) problems.push(`--${key}: expected a lowercase slug (a-z, 0-9, "-")`);
  }
  const intervalS = Number(values.interval);
  if (!(intervalS > 0)) problems.push('--interval: expected a number of seconds');
  const mounts = (values.mount ?? []).map((m) => {
    const eq = m.lastIndexOf('=');
    return { path: m.slice(0, eq), label: m.slice(eq + 1) };
  });
  const parsed = pcDriver.configSchema.safeParse({ intervalS, ...(mounts.length ? { mounts } : {}) });
  if (!parsed.success) for (const i of parsed.error.issues) problems.push(`--${String(i.path[0] ?? 'interval')}: ${i.message}`);
  let password = env.LANGSO_MQTT_PASSWORD || undefined;
  let ca: Buffer | undefined;
  try {
    // A file's last newline is not part of the password (echo adds one).
    if (values['password-file']) password = readFileSync(values['password-file'], 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    problems.push(`--password-file: cannot read ${values['password-file']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    if (values.ca) ca = readFileSync(values.ca);
  } catch (err) {
    problems.push(`--ca: cannot read ${values.ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (values.ca && values.url && !values.url.startsWith('mqtts://')) problems.push('--ca: only used with an mqtts:// URL');
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n\n${PC_AGENT_USAGE}`);
    return 2;
  }

  const log = createLogger(env.LANGSO_LOG_LEVEL ?? 'info');
  let stopping = false;
  let wake: (() => void) | null = null;
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      wake?.();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // The PC may boot before the hub: keep trying instead of exiting.
  let agent: PcAgent | null = null;
  while (!stopping && !agent) {
    try {
      agent = await runPcAgent({
        url: values.url!,
        village: values.village!,
        device: values.device!,
        intervalS,
        ...(mounts.length ? { mounts } : {}),
        ...(values.username ? { username: values.username } : {}),
        ...(password ? { password } : {}),
        ...(ca ? { ca } : {}),
        ...(values.prefix ? { topicPrefix: values.prefix } : {}),
        log,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // CONNACK 4 or 5: the hub is there but refuses these credentials; say what fixes it.
      const refused = /bad user ?name or password|not authori[sz]ed/i.test(message);
      log.warn(
        { err: message },
        refused
          ? `the hub refused the credentials: on the hub, "langso device credentials ${values.village}/${values.device}" issues new ones; trying again in 10 s`
          : 'cannot reach the hub; trying again in 10 s',
      );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 10_000);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  }
  if (!agent) return 0;
  process.stdout.write(`Làng Số PC agent: reporting ${values.village}/${values.device} to ${values.url} every ${intervalS} s. Ctrl+C stops.\n`);
  await stopped;
  await agent.stop();
  return 0;
}
