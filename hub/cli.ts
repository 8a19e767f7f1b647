#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/load.js';
import { createHub } from './main.js';
import { ListenError } from './core/net.js';
import { pcAgentCommand } from '../devices/pc/agent.js';
import { discoverCommand } from './cli/discover.js';

const USAGE = `Làng Số Hub

Usage:
  langso start [--config FILE]     start the hub (MQTT broker, store, dashboard)
  langso check [--config FILE]     validate a configuration file and exit
  langso discover [--timeout 5] [--config FILE] [--address A --port P]
                                   find ONVIF cameras on the network (langso discover --help)
  langso agent pc --url mqtt://HUB:1883 --village V --device D [--interval 30]
                                   report this PC's health to a hub (langso agent pc --help)

The configuration file can also be given with LANGSO_CONFIG.
Environment overrides: LANGSO_MQTT_PORT, LANGSO_WS_PORT, LANGSO_HTTP_PORT, LANGSO_DATA_DIR,
LANGSO_INFLUX_URL (selects the InfluxDB store), LANGSO_INFLUX_DB, LANGSO_LOG_LEVEL, LANGSO_SIM.
`;

async function main(argv: string[]): Promise<number> {
  // The agent has its own options; it runs on a village PC without a hub configuration.
  if (argv[0] === 'agent') return pcAgentCommand(argv.slice(1));
  if (argv[0] === 'discover') return discoverCommand(argv.slice(1));
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
  const { config, file, warnings } = await loadConfig(values.config, process.env);
  for (const w of warnings) process.stderr.write(`Warning (${file}): ${w}\n`);
  if (command === 'check') {
    process.stdout.write(`${file}: OK — ${config.villages.length} village(s), ${config.devices.length} device(s), store ${config.store.kind}\n`);
    return 0;
  }

  const hub = createHub({ config });
  await hub.start();
  const { mqtt, ws, http } = hub.ports;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
  process.stdout.write(
    [
      '',
      `  Làng Số Hub ${hub.ctx.version} is running (config: ${file})`,
      `  Dashboard:  http://${host}:${http}`,
      `  MQTT:       mqtt://${host}:${mqtt}${ws !== null ? `   WebSocket: ws://${host}:${ws}` : ''}`,
      `  Store:      ${config.store.kind === 'influx' ? `InfluxDB ${config.store.url} (database ${config.store.database})` : `SQLite in ${config.dataDir}`}`,
      config.sim.enabled
        ? `  Simulator:  ${hub.sim.fleet?.stats().devices ?? 0} simulated devices publishing over MQTT, ` +
          `${hub.sim.protocols?.size ?? 0} polled through ONVIF/SNMP simulators`
        : '',
      '  Press Ctrl+C to stop.',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n',
  );

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
