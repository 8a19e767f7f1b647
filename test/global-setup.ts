import type { TestProject } from 'vitest/node';
import { startInfluxd, type InfluxdHandle } from '../scripts/services/influxd.js';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

/**
 * One private influxd for the whole run (test files use their own databases), unless
 * LANGSO_TEST_INFLUX_URL points at one already running.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.LANGSO_TEST_INFLUX_URL;
  let influxd: InfluxdHandle | null = null;
  if (given) {
    project.provide('influxUrl', given.replace(/\/$/, ''));
  } else {
    influxd = await startInfluxd();
    project.provide('influxUrl', influxd.url);
  }
  return async () => {
    await influxd?.stop();
  };
}
