import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../hub/config/load.js';
import { createLogger } from '../../hub/core/log.js';
import { DeviceRegistry } from '../../hub/registry/registry.js';
import { uptimeReport } from '../../hub/reports/report.js';
import { reportScope } from '../../hub/reports/scope.js';
import { createMetricStore } from '../../hub/store/index.js';

describe('uptime reports in central mode', () => {
  it('cover the villages and devices the village hubs announced, not only the configured ones', async () => {
    const config = parseConfig('mode: central\ncentral: { url: "mqtt://127.0.0.1:1883", instanceId: c-1 }', 'central.yaml', {});
    const registry = new DeviceRegistry(config);
    registry.learnVillage({ id: 'dong-cam', name: 'Đông Căm', timezone: 'Asia/Ho_Chi_Minh', commune: 'Gia Phú', province: 'Lào Cai' }, false);
    registry.learnDevice({ village: 'dong-cam', id: 'cam-1', name: 'Camera cổng', kind: 'onvif-camera' });
    const dir = await mkdtemp(path.join(tmpdir(), 'langso-central-scope-'));
    const store = createMetricStore(config.store, dir, createLogger('silent'));
    try {
      await store.open();
      const from = Date.now() - 4 * 3_600_000;
      // Online 3 h, offline 1 h, as the village hub recorded it upstream.
      await store.write([
        { measurement: 'availability', village: 'dong-cam', device: 'cam-1', kind: 'onvif-camera', ts: from, state: 'online' },
        { measurement: 'availability', village: 'dong-cam', device: 'cam-1', kind: 'onvif-camera', ts: from + 3 * 3_600_000, state: 'offline' },
      ]);
      const scope = reportScope({ config, devices: registry });
      expect(scope.villages.map((v) => v.id)).toEqual(['dong-cam']);
      const report = await uptimeReport({ config: scope, store, now: from + 4 * 3_600_000 }, { villages: ['dong-cam'], period: { from, to: from + 4 * 3_600_000 } });
      expect(report.villages[0]?.devices.map((d) => [d.device, d.name, Math.round(d.uptimePct ?? 0)])).toEqual([['cam-1', 'Camera cổng', 75]]);
      // A village hub keeps its configuration's scope.
      const village = parseConfig('villages: [{ id: a, name: A }]', 'v.yaml', {});
      expect(reportScope({ config: village, devices: new DeviceRegistry(village) })).toBe(village);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
