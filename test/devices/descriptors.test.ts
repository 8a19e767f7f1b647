import { describe, expect, it } from 'vitest';
import { deviceKindList } from '../../devices/index.js';
import { rng, seededRandom } from '../../devices/sim/random.js';
import { defaultRules } from '../../hub/config/alerts.js';
import { parseConfig } from '../../hub/config/load.js';
import { timeoutFor } from '../../hub/config/schema.js';
import { SLUG_PATTERN } from '../../shared/ids.js';

/** Every kind's descriptor is complete, and what derives from descriptors does derive from them. */
describe('device kind descriptors', () => {
  it('each has a slug, labels and metric labels in both languages, and names only its own metrics', () => {
    const seen = new Set<string>();
    for (const k of deviceKindList) {
      expect(k.kind).toMatch(SLUG_PATTERN);
      expect(seen.has(k.kind), `kind ${k.kind} twice`).toBe(false);
      seen.add(k.kind);
      expect(k.label.vi && k.label.en, k.kind).toBeTruthy();
      expect(k.defaultTimeoutS).toBeGreaterThan(0);
      for (const [name, m] of Object.entries(k.metrics)) expect(m.label.vi && m.label.en, `${k.kind}.${name}`).toBeTruthy();
      if (k.mainMetric) expect(k.metrics[k.mainMetric], `${k.kind} main metric`).toBeDefined();
      for (const r of k.rules) expect(k.metrics[r.metric], `${k.kind} rule ${r.id}`).toBeDefined();
      if (k.driver) expect(k.driver.kind).toBe(k.kind);
    }
  });

  it("each kind's simulator reports only metrics its descriptor describes", () => {
    for (const k of deviceKindList) {
      const model = k.simulation.model(rng(seededRandom(7)), { id: 'd', village: 'v', name: 'd', kind: k.kind });
      for (let h = 0; h < 24; h += 3) {
        for (const name of Object.keys(model({ hour: h, uptimeS: 100, everyS: 3 }))) expect(k.metrics[name], `${k.kind} simulates ${name}`).toBeDefined();
      }
    }
  });

  it('config kinds, default timeouts and default alert rules come from the descriptors', () => {
    const devices = deviceKindList.map((k, i) => `  - { id: d${i}, village: v, name: d${i}, kind: ${k.kind} }`).join('\n');
    const config = parseConfig(`villages: [{ id: v, name: V }]\ndevices:\n${devices}\n`, 'kinds.yaml');
    config.devices.forEach((d, i) => expect(timeoutFor(d)).toBe(deviceKindList[i]?.defaultTimeoutS));
    expect(config.alerts.rules).toEqual(defaultRules);
    expect(defaultRules.map((r) => `${r.kind}:${r.id}`)).toEqual(deviceKindList.flatMap((k) => k.rules.map((r) => `${k.kind}:${r.id}`)));
  });
});
