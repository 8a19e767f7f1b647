import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { reportCommand } from '../../hub/cli/report.js';
import { parseConfig } from '../../hub/config/load.js';
import { createLogger } from '../../hub/core/log.js';
import { uptimeReport } from '../../hub/reports/report.js';
import { createMetricStore } from '../../hub/store/index.js';
import type { AvailabilityPoint } from '../../hub/store/types.js';
import { parseCsv } from '../helpers/csv.js';
import { runLangso, type CommandRun } from '../helpers/cli.js';

const z = (iso: string) => Date.parse(iso);

const runCli = (args: string[]): Promise<CommandRun> => runLangso(args, { env: { LANGSO_LOG_LEVEL: 'error' } });

describe('langso report', () => {
  let dir: string;
  let file: string;
  const doc = (dataDir: string) => ({
    dataDir,
    villages: [{ id: 'dong-cam', name: 'Đông Căm' }, { id: 'gia-phu', name: 'Gia Phú' }],
    devices: [
      { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera' },
      { id: 'ap-9', village: 'gia-phu', name: 'Wi-Fi chợ', kind: 'wifi-ap' },
    ],
    store: { kind: 'sqlite' },
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-report-'));
    file = path.join(dir, 'langso.yaml');
    await writeFile(file, stringify(doc(path.join(dir, 'data'))));
    const config = parseConfig(stringify(doc(path.join(dir, 'data'))), 'test', {});
    const store = createMetricStore(config.store, path.join(dir, 'data'), createLogger('silent'));
    await store.open();
    const p = (village: string, device: string, kind: AvailabilityPoint['kind'], ts: string, state: AvailabilityPoint['state']): AvailabilityPoint => ({ measurement: 'availability', village, device, kind, ts: z(ts), state });
    await store.write([
      p('dong-cam', 'cam-1', 'onvif-camera', '2025-10-01T00:00:00Z', 'online'),
      p('dong-cam', 'cam-1', 'onvif-camera', '2025-11-12T01:00:00Z', 'offline'),
      p('dong-cam', 'cam-1', 'onvif-camera', '2025-11-12T04:30:00Z', 'online'),
      p('gia-phu', 'ap-9', 'wifi-ap', '2025-10-01T00:00:00Z', 'online'),
    ]);
    await store.close();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the month in Vietnamese: each village, the worst device, the longest outage, every device', async () => {
    const r = await runCli(['report', '--month', '2025-11', '--config', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Làng Số: báo cáo hoạt động tháng 11/2025');
    expect(r.stdout).toContain('• Đông Căm: hoạt động 99,51% (dùng được 99,51%), 1 lần mất kết nối.');
    expect(r.stdout).toContain('• Gia Phú: hoạt động 100% (dùng được 100%), 0 lần mất kết nối.');
    expect(r.stdout).toContain('Camera cổng thôn (Đông Căm): 3 giờ 30 phút');
    expect(r.stdout).toMatch(/Camera cổng thôn \(cam-1\)\s+99,51%\s+99,51%\s+1\s+3 giờ 30 phút/);
  }, 30_000);

  it('writes the CSV with --csv: the same figures as the report module; --village keeps one village; bad input says what to give', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: {} };
    const csv = path.join(dir, 'nov.csv');
    expect(await reportCommand(['--month', '2025-11', '--village', 'dong-cam', '--csv', csv, '--lang', 'en', '--config', file], io)).toBe(0);
    const text = await readFile(csv, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(text.slice(1));
    expect(rows.map((r) => r[1])).toEqual(['Device id', 'cam-1']);
    const config = parseConfig(stringify(doc(path.join(dir, 'data'))), 'test', {});
    const store = createMetricStore(config.store, path.join(dir, 'data'), createLogger('silent'));
    await store.open();
    const rep = await uptimeReport({ config, store, now: Date.now() }, { villages: ['dong-cam'], period: { month: '2025-11' } });
    await store.close();
    expect(rows[1]![4]).toBe(String(rep.villages[0]!.devices[0]!.uptimePct));
    expect(rows[1]![9]).toBe('210');
    expect(await reportCommand(['--month', '2025-13', '--config', file], io)).toBe(2);
    expect(err.join('')).toContain('--month "2025-13": expected YYYY-MM');
    expect(await reportCommand(['--month', '2025-11', '--village', 'xa-la', '--config', file], io)).toBe(2);
    expect(err.join('')).toContain('No village "xa-la"');
  }, 30_000);
});
