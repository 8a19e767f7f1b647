import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { driverFor } from '../../devices/index.js';
import { configSchema, referenceProblems, type Config } from './schema.js';
import { isOldInternetSection } from './uplink.js';

/** A configuration that cannot be used; `problems` lists each with its path, for people, not stack traces. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `devices[3].kind` from zod's path array. */
export function formatPath(p: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown setting(s): ${issue.keys.join(', ')}`;
    return `${formatPath(issue.path)}: ${message}`;
  });
}

export type Env = Record<string, string | undefined>;

function envPort(env: Env, name: string, problems: string[]): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    problems.push(`${name}: expected a port number 0-65535, got "${raw}"`);
    return undefined;
  }
  return n;
}

/**
 * Applies LANGSO_* environment overrides onto the raw (unvalidated) document, so the schema validates
 * the merged result and every default still comes from the schema.
 */
export function applyEnv(raw: Record<string, unknown>, env: Env): { merged: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const merged: Record<string, unknown> = { ...raw };
  const section = (key: string): Record<string, unknown> => {
    const cur = merged[key];
    const copy = cur && typeof cur === 'object' && !Array.isArray(cur) ? { ...(cur as Record<string, unknown>) } : {};
    merged[key] = copy;
    return copy;
  };
  const mqtt = envPort(env, 'LANGSO_MQTT_PORT', problems);
  if (mqtt !== undefined) section('broker').port = mqtt;
  const ws = envPort(env, 'LANGSO_WS_PORT', problems);
  if (ws !== undefined) section('broker').wsPort = ws;
  const mqtts = envPort(env, 'LANGSO_MQTTS_PORT', problems);
  if (mqtts !== undefined) {
    const broker = section('broker');
    if (broker.tls && typeof broker.tls === 'object') broker.tls = { ...(broker.tls as Record<string, unknown>), port: mqtts };
    else problems.push('LANGSO_MQTTS_PORT: set, but broker.tls (certificate and key) is not configured');
  }
  const http = envPort(env, 'LANGSO_HTTP_PORT', problems);
  if (http !== undefined) section('http').port = http;
  if (env.LANGSO_DATA_DIR) merged.dataDir = env.LANGSO_DATA_DIR;
  if (env.LANGSO_LOG_LEVEL) merged.logLevel = env.LANGSO_LOG_LEVEL;
  if (env.LANGSO_LOG_FORMAT) merged.logFormat = env.LANGSO_LOG_FORMAT;
  if (env.LANGSO_INFLUX_URL) {
    const store = merged.store && typeof merged.store === 'object' ? (merged.store as Record<string, unknown>) : {};
    // Selecting InfluxDB by URL keeps the database name if the file already configured one.
    merged.store = { kind: 'influx', url: env.LANGSO_INFLUX_URL, ...(store.kind === 'influx' ? omit(store, 'url', 'kind') : {}) };
    if (env.LANGSO_INFLUX_DB) (merged.store as Record<string, unknown>).database = env.LANGSO_INFLUX_DB;
  }
  if (env.LANGSO_SIM !== undefined && env.LANGSO_SIM !== '') {
    const v = env.LANGSO_SIM.toLowerCase();
    if (v === '1' || v === 'true' || v === 'on') section('sim').enabled = true;
    else if (v === '0' || v === 'false' || v === 'off') section('sim').enabled = false;
    else problems.push(`LANGSO_SIM: expected true or false, got "${env.LANGSO_SIM}"`);
  }
  return { merged, problems };
}

function omit(o: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/**
 * Settings renamed since earlier versions: the old key still works, with a warning saying what to write.
 * `uplink` was the village Internet-link probe; the word now means the MQTT bridge to a commune broker,
 * so an `uplink:` section is the old probe only when it holds the probe's keys and none of the bridge's
 * (hub/config/uplink.ts `isOldInternetSection`).
 */
const renamedKeys: Array<[old: string, now: string, applies: (v: unknown) => boolean]> = [['uplink', 'internet', isOldInternetSection]];

export function migrateDeprecated(raw: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  let out = raw;
  for (const [old, now, applies] of renamedKeys) {
    if (!(old in out) || !applies(out[old])) continue;
    if (now in out) {
      warnings.push(`"${old}" is an old name of "${now}" and both are set: "${old}" is ignored; remove it`);
      out = omit(out, old);
    } else {
      warnings.push(`"${old}" is deprecated: rename it to "${now}" (it still works for now)`);
      out = { ...omit(out, old), [now]: out[old] };
    }
  }
  return out;
}

/**
 * Parses YAML text + environment into a validated Config, or throws ConfigError listing every problem.
 * Deprecated settings that still work are reported in `warnings`.
 */
export function parseConfig(text: string, source: string, env: Env = {}, warnings: string[] = []): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `YAML syntax (line ${e.linePos?.[0]?.line ?? '?'}): ${e.message.split('\n')[0]}`),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, ['(root): expected a mapping of settings (key: value)']);
  }
  const { merged, problems } = applyEnv(migrateDeprecated(raw as Record<string, unknown>, warnings), env);
  const result = configSchema.safeParse(merged);
  if (!result.success) problems.push(...formatIssues(result.error));
  problems.push(...referenceProblems(merged));
  if (result.success) problems.push(...pollProblems(result.data));
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return result.data;
}

/** Each `poll:` block is checked by its kind's driver, so errors name the device and the field. */
export function pollProblems(config: Config): string[] {
  const problems: string[] = [];
  config.devices.forEach((d, i) => {
    if (d.poll === undefined) return;
    const driver = driverFor(d.kind);
    if (!driver) {
      problems.push(`devices[${i}].poll: the hub cannot poll kind "${d.kind}" (device "${d.id}"); remove "poll" and let the device publish over MQTT`);
      return;
    }
    const r = driver.configSchema.safeParse(d.poll);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const where = formatPath(['devices', i, 'poll', ...issue.path]);
        const message = issue.code === 'unrecognized_keys' ? `unknown setting(s): ${issue.keys.join(', ')}` : issue.message;
        problems.push(`${where}: ${message} (device "${d.id}")`);
      }
    }
  });
  return problems;
}

/** Where the configuration came from: `--config`, LANGSO_CONFIG, or nothing given (the demo). */
export type ConfigSource = 'argument' | 'env' | 'demo';

/**
 * Resolves the config path — `--config FILE`, else LANGSO_CONFIG, else the demo (`demoFile`, when
 * given: `langso start` with no configuration at all shows the demo village) — and loads it.
 */
export async function loadConfig(
  file: string | undefined,
  env: Env,
  demoFile?: string,
): Promise<{ config: Config; file: string; warnings: string[]; source: ConfigSource }> {
  const source: ConfigSource = file ? 'argument' : env.LANGSO_CONFIG ? 'env' : 'demo';
  const chosen = file || env.LANGSO_CONFIG || demoFile;
  if (!chosen) throw new ConfigError('(none)', ['no configuration file: pass --config FILE or set LANGSO_CONFIG']);
  const abs = path.resolve(chosen);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(abs, [code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`]);
  }
  const warnings: string[] = [];
  return { config: parseConfig(text, abs, env, warnings), file: abs, warnings, source };
}
