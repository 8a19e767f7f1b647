import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../hub/config/load.js';

/**
 * What the configuration loader finds wrong with `text` (read as the file `source`, with `env` as the
 * environment); the test fails if it accepts the text or throws anything but a ConfigError.
 */
export function configProblems(text: string, source: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, source, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
