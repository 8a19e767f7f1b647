import { parseArgs } from 'node:util';
import { discover, markKnown, WS_DISCOVERY_ADDRESS, WS_DISCOVERY_PORT, type DiscoveredCamera, type MarkedCamera } from '../../devices/onvif-camera/discovery.js';
import { loadConfig, type Env } from '../config/load.js';

export const DISCOVER_USAGE = `Usage: langso discover [--timeout 5] [--config FILE] [--address A --port P] [--json]

Looks for ONVIF cameras on this computer's network (WS-Discovery) and lists them: address (the
xaddr to put in a device's poll: block), name and hardware. With a configuration (--config FILE or
LANGSO_CONFIG), cameras the hub already polls are marked with their device.

  --timeout S     seconds to wait for answers (default 5, at most 60)
  --config FILE   the hub configuration, to mark cameras already configured
  --address A     send the probe to A instead of the multicast group ${WS_DISCOVERY_ADDRESS}
  --port P        UDP port of the probe (default ${WS_DISCOVERY_PORT})
  --json          print the cameras as JSON (one array) instead of a table
`;

export interface DiscoverIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  env: Env;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** `langso discover`: returns the exit code (2 on a usage error); a bad config throws ConfigError. */
export async function discoverCommand(argv: string[], io: DiscoverIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        timeout: { type: 'string', short: 't', default: '5' },
        config: { type: 'string', short: 'c' },
        address: { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${DISCOVER_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(DISCOVER_USAGE);
    return 0;
  }
  const timeoutS = Number(values.timeout);
  const port = values.port === undefined ? undefined : Number(values.port);
  const problems: string[] = [];
  if (!Number.isFinite(timeoutS) || timeoutS < 0.2 || timeoutS > 60) problems.push('--timeout: expected seconds between 0.2 and 60');
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65_535)) problems.push('--port: expected a UDP port (1-65535)');
  if (problems.length > 0) {
    io.stderr.write(`${problems.join('\n')}\n\n${DISCOVER_USAGE}`);
    return 2;
  }

  // Read the configuration first: a bad file is reported before waiting for cameras.
  const configFile = values.config ?? io.env.LANGSO_CONFIG;
  const config = configFile ? (await loadConfig(configFile, io.env)).config : null;

  const target = `${values.address ?? WS_DISCOVERY_ADDRESS}:${port ?? WS_DISCOVERY_PORT}`;
  const tty = io.stdout.isTTY === true && !values.json;
  const say = (s: string) => void (values.json ? io.stderr : io.stdout).write(s);
  say(`Searching for ONVIF cameras for ${timeoutS} s (WS-Discovery probe to ${target})…\n`);
  let frame = 0;
  let announced = 0;
  const found = await discover({
    timeoutMs: Math.round(timeoutS * 1000),
    ...(values.address ? { address: values.address } : {}),
    ...(port ? { port } : {}),
    onProgress: (ms, list) => {
      if (tty) {
        const spin = SPINNER[frame++ % SPINNER.length] ?? '';
        io.stdout.write(`\r\x1b[2K${spin} ${(ms / 1000).toFixed(1)} s / ${timeoutS} s — ${list.length} camera(s) found`);
        return;
      }
      // Without a terminal (a log, a pipe): one plain line per camera as it answers.
      for (const cam of list.slice(announced)) say(`  answered: ${cam.name || '(no name)'} at ${cam.xaddr}\n`);
      announced = list.length;
    },
  });
  if (tty) io.stdout.write('\r\x1b[2K');

  const marked: MarkedCamera[] = config ? markKnown(found, config) : found.map((c: DiscoveredCamera) => ({ ...c, known: null }));
  if (values.json) {
    io.stdout.write(`${JSON.stringify(marked.map(({ scopes: _s, ...c }) => c), null, 2)}\n`);
    return 0;
  }
  if (marked.length === 0) {
    io.stdout.write(
      `No camera answered within ${timeoutS} s. Check that the cameras are powered, on this computer's network, ` +
        'and have ONVIF (and WS-Discovery) enabled; a longer --timeout can help on a busy network.\n',
    );
    return 0;
  }
  io.stdout.write(`${formatTable(marked, config !== null)}\n`);
  const fresh = marked.filter((c) => !c.known).length;
  if (!config) io.stdout.write('(pass --config FILE to mark the cameras the hub already polls)\n');
  else if (fresh > 0) io.stdout.write(`${fresh} new camera(s): add each as a device with kind onvif-camera and poll: { xaddr: <address>, username, password }.\n`);
  return 0;
}

/** The found cameras as an aligned table (widths counted in characters, Vietnamese names included). */
export function formatTable(cams: readonly MarkedCamera[], withConfig: boolean): string {
  const head = ['#', 'Name', 'Hardware', 'Address (xaddr)', ...(withConfig ? ['In config'] : [])];
  const rows = cams.map((c, i) => [
    String(i + 1),
    c.name || '-',
    c.hardware || '-',
    c.xaddr,
    ...(withConfig ? [c.known ? `yes: ${c.known.village}/${c.known.device}` : 'new'] : []),
  ]);
  const widths = head.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...cell].length)))
      .join('  ')
      .trimEnd();
  return [`Found ${cams.length} camera(s):`, line(head), ...rows.map(line)].join('\n');
}
