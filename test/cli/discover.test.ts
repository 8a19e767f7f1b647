import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryResponder, startSimulatedCamera, type SimulatedCamera } from '../../devices/onvif-camera/simulator/index.js';
import { ConfigError } from '../../hub/config/load.js';
import { discoverCommand, type DiscoverIo } from '../../hub/cli/discover.js';

// Every probe goes unicast to a responder on 127.0.0.1, never onto the LAN (TESTING.md).
let responder: DiscoveryResponder;
const cams: SimulatedCamera[] = [];
let dir: string;
let configFile: string;

beforeAll(async () => {
  responder = await DiscoveryResponder.start({ port: 0 });
  for (const name of ['Cổng làng', 'Trạm bơm']) cams.push(await startSimulatedCamera({ name, discovery: { responder } }));
  dir = await mkdtemp(path.join(tmpdir(), 'langso-discover-'));
  configFile = path.join(dir, 'hub.yaml');
  await writeFile(
    configFile,
    `villages: [{ id: dong-cam, name: Đông Căm }]\ndevices:\n  - { id: cam-cong, village: dong-cam, name: Cổng, kind: onvif-camera, poll: { xaddr: '${cams[0]?.xaddr}' } }\n`,
  );
});

afterAll(async () => {
  await Promise.all(cams.map((c) => c.close()));
  await responder?.close();
  await rm(dir, { recursive: true, force: true });
});

function io(tty: boolean, env: Record<string, string> = {}): DiscoverIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s), isTTY: tty },
    stderr: { write: (s: string) => (err += s) },
    env,
    out: () => out,
    err: () => err,
  };
}

const at = () => ['--address', '127.0.0.1', '--port', String(responder.port)];

describe('langso discover', () => {
  it('lists the cameras with address, name and hardware, and marks those in the config', async () => {
    const o = io(false);
    expect(await discoverCommand(['--timeout', '0.6', '--config', configFile, ...at()], o)).toBe(0);
    const text = o.out();
    expect(text).toContain(`WS-Discovery probe to 127.0.0.1:${responder.port}`);
    // Without a terminal: plain lines as cameras answer, no escape codes.
    expect(text).toMatch(/answered: (Cổng làng|Trạm bơm) at http:\/\/127\.0\.0\.1/);
    expect(text).not.toContain('\r');
    expect(text).toContain('Found 2 camera(s):');
    const row = (name: string) => text.split('\n').find((l) => l.includes(name)) ?? '';
    expect(row('Cổng làng  ')).toMatch(new RegExp(`SC-160\\s+${cams[0]?.xaddr.replace(/[.]/g, '\\.')}\\s+yes: dong-cam/cam-cong$`));
    expect(row('Trạm bơm  ')).toMatch(/\snew$/);
    expect(text).toContain('1 new camera(s)');
  });

  it('shows a spinner with the elapsed time on a terminal, and reads LANGSO_CONFIG', async () => {
    const o = io(true, { LANGSO_CONFIG: configFile });
    expect(await discoverCommand(['--timeout', '0.6', ...at()], o)).toBe(0);
    const text = o.out();
    expect(text).toMatch(/\r\x1b\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \d\.\d s \/ 0\.6 s — \d camera\(s\) found/);
    expect(text).toContain('yes: dong-cam/cam-cong');
  });

  it('--json prints the cameras for scripts; without a config nothing is marked', async () => {
    const o = io(true);
    expect(await discoverCommand(['--timeout', '0.5', '--json', ...at()], o)).toBe(0);
    const list = JSON.parse(o.out()) as Array<{ xaddr: string; name: string; known: unknown }>;
    expect(list.map((c) => c.xaddr).sort()).toEqual(cams.map((c) => c.xaddr).sort());
    expect(list.every((c) => c.known === null)).toBe(true);
    expect(o.err()).toContain('Searching for ONVIF cameras');
  });

  it('says so when nobody answers, and refuses bad options and a bad config', async () => {
    const silent = await DiscoveryResponder.start({ port: 0 });
    try {
      const o = io(false);
      expect(await discoverCommand(['--timeout', '0.3', '--address', '127.0.0.1', '--port', String(silent.port)], o)).toBe(0);
      expect(o.out()).toContain('No camera answered within 0.3 s');
    } finally {
      await silent.close();
    }
    const bad = io(false);
    expect(await discoverCommand(['--timeout', 'soon', '--port', '70000'], bad)).toBe(2);
    expect(bad.err()).toContain('--timeout: expected seconds');
    expect(bad.err()).toContain('--port: expected a UDP port');
    expect(await discoverCommand(['--zoom'], io(false))).toBe(2);
    await expect(discoverCommand(['--config', path.join(dir, 'none.yaml'), ...at()], io(false))).rejects.toBeInstanceOf(ConfigError);
  });

  it('runs as a subcommand of the langso command', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'discover', '--timeout', '0.5', ...at()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('Found 2 camera(s):');
    expect(stdout).toContain('pass --config FILE to mark');
  }, 20_000);
});
