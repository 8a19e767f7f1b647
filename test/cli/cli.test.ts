import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLangso, type CommandRun } from '../helpers/cli.js';

const run = (args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CommandRun> =>
  runLangso(args, { env: { LANGSO_LOG_LEVEL: 'error', ...env }, timeoutMs });

describe('langso command', () => {
  let dir: string;
  let blocker: Server;
  let busyPort = 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-cli-'));
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    busyPort = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    blocker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a bad config stops start-up with every problem and its path, no stack trace', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      'villages: [{ id: dong-cam, name: Đông Căm }]\ndevices:\n  - { id: cam, village: dong-cam, name: Cam, kind: camera }\n  - { id: ap, village: nowhere, name: AP, kind: wifi-ap }\nhttp: { port: "eighty" }\n',
    );
    const r = await run(['start', '--config', file]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(`Invalid configuration (${file}):`);
    expect(r.stderr).toMatch(/devices\[0\]\.kind: .*expected one of .*"onvif-camera"/);
    expect(r.stderr).toContain('devices[1].village: unknown village "nowhere"');
    expect(r.stderr).toMatch(/http\.port: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing config file is named', async () => {
    const r = await run(['start', '--config', path.join(dir, 'none.yaml')]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('none.yaml');
    expect(r.stderr).toContain('file not found');
  });

  it('a port in use names the port and the setting that changes it', async () => {
    const file = path.join(dir, 'ok.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(path.join(dir, 'data'))}\nbroker: { host: 127.0.0.1, wsPort: null }\nhttp: { host: 127.0.0.1, port: 0 }\n`);
    const r = await run(['start', '--config', file], { LANGSO_MQTT_PORT: String(busyPort) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`broker.port: port ${busyPort} is already in use`);
    expect(r.stderr).toContain('LANGSO_MQTT_PORT');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('check validates a good file', async () => {
    const file = path.join(dir, 'ok2.yaml');
    await writeFile(file, 'villages: [{ id: dong-cam, name: Đông Căm }]\n');
    const r = await run(['check'], { LANGSO_CONFIG: file });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OK — 1 village(s), 0 device(s), store sqlite');
  });
});
