/** The `langso` commands (hub/cli.ts runs them once V8's heap flags are set). */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import { createHub, packageRoot } from '../main.js';
import { describeTarget } from '../availability/internet.js';
import { ListenError } from '../core/net.js';
import { processUserIo, userCommand } from './user.js';
import type { Hub } from '../main.js';
import { deviceCommand, readerCommand } from './device.js';
import { reportCommand } from './report.js';

const USAGE = `Làng Số Hub

Usage:
  langso start [--config FILE]     start the hub (MQTT broker, store, dashboard)
  langso check [--config FILE]     validate a configuration file and exit
  langso discover [--timeout 5] [--config FILE] [--address A --port P]
                                   find ONVIF cameras on the network (langso discover --help)
  langso device credentials V/D [--config FILE]
                                   issue or rotate a device's MQTT password (printed once, last line)
  langso device list [--config FILE]
                                   configured devices, their MQTT credentials and last connection
  langso mqtt-reader add|remove NAME [--config FILE]
                                   an MQTT account that reads everything (Home Assistant, Node-RED)
  langso agent pc --url mqtt://HUB:1883 --village V --device D --username V/D [--interval 30]
                                   report this PC's health to a hub (langso agent pc --help)
  langso user add|passwd|role|remove|list …
                                   dashboard accounts (langso user --help)
  langso report --month YYYY-MM [--village V] [--csv FILE] [--lang vi|en] [--config FILE]
                                   a month's uptime report as text, or as a CSV file (langso report --help)

The configuration file can also be given with LANGSO_CONFIG. With neither, the demo runs
(config/demo.yaml: simulated villages and devices).
Environment overrides: LANGSO_MQTT_PORT, LANGSO_WS_PORT, LANGSO_MQTTS_PORT, LANGSO_HTTP_PORT, LANGSO_DATA_DIR,
LANGSO_INFLUX_URL (selects the InfluxDB store), LANGSO_INFLUX_DB, LANGSO_LOG_LEVEL,
LANGSO_LOG_FORMAT (auto, json, pretty), LANGSO_SIM.
`;

/** The configuration `npm start` shows when none is given. */
const DEMO_FILE = path.join('config', 'demo.yaml');

/**
 * The demo's login, created when the demo starts without any user. Fixed and printed on purpose: the demo
 * runs simulated villages on one's own computer. A real configuration never gets it.
 */
export const DEMO_LOGIN = { username: 'admin', password: 'langso-demo' } as const;

async function main(argv: string[]): Promise<number> {
  // The agent has its own options; it runs on a village PC without a hub configuration.
  // Loaded when asked for (ONVIF discovery brings its SOAP and XML libraries): `start` does not hold them.
  if (argv[0] === 'agent') return (await import('../../devices/pc/agent.js')).pcAgentCommand(argv.slice(1));
  if (argv[0] === 'discover') return (await import('./discover.js')).discoverCommand(argv.slice(1));
  if (argv[0] === 'user') return userCommand(argv.slice(1), processUserIo(path.join(packageRoot(), DEMO_FILE)));
  if (argv[0] === 'device') return deviceCommand(argv.slice(1));
  if (argv[0] === 'mqtt-reader') return readerCommand(argv.slice(1));
  if (argv[0] === 'report') return reportCommand(argv.slice(1));
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0] ?? 'start';
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command !== 'start' && command !== 'check') {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  const root = packageRoot();
  const { config, file, warnings, source } = await loadConfig(values.config, process.env, path.join(root, DEMO_FILE));
  for (const w of warnings) process.stderr.write(`Warning (${file}): ${w}\n`);
  if (source === 'demo') {
    process.stdout.write(
      `No configuration given: ${command === 'check' ? 'checking' : 'running'} the demo (${DEMO_FILE}), with simulated villages and devices.\n` +
        `For a real village: langso start --config FILE, or LANGSO_CONFIG=FILE npm start.\n`,
    );
  }
  if (command === 'check') {
    process.stdout.write(`${file}: OK — ${config.villages.length} village(s), ${config.devices.length} device(s), store ${config.store.kind}\n`);
    return 0;
  }

  const hub = createHub({ config });
  // A promise nobody awaited that rejects is counted and shown by /api/health, not the end of the hub.
  process.on('unhandledRejection', (reason) => hub.ctx.faults.report('unhandled', reason));
  await hub.start();
  process.stdout.write(banner(hub, file));
  process.stdout.write(await loginNotice(hub, file, source === 'demo'));

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      hub.ctx.log.info({ signal }, 'stopping');
      hub.stop().finally(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/** What a person sees once the hub runs: where to look, and nothing secret (URLs lose their credentials). */
function banner(hub: ReturnType<typeof createHub>, file: string): string {
  const { config } = hub.ctx;
  const { mqtt, ws, mqtts, http } = hub.ports;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
  const standIn = hub.sim.internet?.stats().endpoints ?? 0;
  const lines = [
    '',
    `  Làng Số Hub ${hub.ctx.version} is running (config: ${file})`,
    `  Dashboard:  http://${host}:${http}`,
    config.mode === 'central' && config.central
      ? `  Central:    instance ${config.central.instanceId} reading ${config.central.url} (group ${config.central.group})`
      : `  MQTT:       mqtt://${host}:${mqtt}${mqtts !== null ? `   MQTTS: mqtts://${host}:${mqtts}` : ''}${ws !== null ? `   WebSocket: ws://${host}:${ws}` : ''}`,
    config.broker.allowAnonymous
      ? '  Warning:    MQTT clients may connect without credentials (broker.allowAnonymous): only for a demo or a closed network'
      : '',
    `  Store:      ${config.store.kind === 'influx' ? `InfluxDB ${config.store.url} (database ${config.store.database})` : `SQLite in ${config.dataDir}`}`,
    config.internet.targets.length > 0
      ? `  Internet:   probing ${config.internet.targets.map(describeTarget).join(', ')}${standIn > 0 ? ' (a simulated link that goes down now and then)' : ''}`
      : '',
    config.sim.enabled
      ? `  Simulator:  ${hub.sim.fleet?.stats().devices ?? 0} simulated devices publishing over MQTT, ` +
        `${hub.sim.protocols?.size ?? 0} polled through ONVIF/SNMP simulators`
      : '',
    '  Press Ctrl+C to stop.',
    '',
  ];
  return hub.ctx.redact(lines.filter((l) => l !== '').join('\n')) + '\n';
}

/**
 * How to log in: the demo creates its demo admin when there is no user and says so; a real configuration
 * without any user gets the exact command that creates the first admin.
 */
async function loginNotice(hub: Hub, file: string, demo: boolean): Promise<string> {
  const { users } = hub.security;
  if (demo) {
    if (users.count() === 0) await users.add(DEMO_LOGIN.username, DEMO_LOGIN.password, 'admin', [], Date.now());
    if (!(await users.verify(DEMO_LOGIN.username, DEMO_LOGIN.password))) return '';
    return (
      `  Demo login: ${DEMO_LOGIN.username} / ${DEMO_LOGIN.password}  (a demo login for the simulated villages only;\n` +
      '  a real village creates its own accounts with "langso user add")\n\n'
    );
  }
  if (users.count() > 0) return '';
  return (
    '  No dashboard user yet: nobody can log in. Create the first admin (the password is read from standard input):\n' +
    `    langso user add <name> --role admin --password-stdin --config ${file}\n\n`
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 78; // EX_CONFIG
    } else if (err instanceof ListenError) {
      process.stderr.write(`Cannot start: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`Cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
