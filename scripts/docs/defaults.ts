/**
 * Documented defaults come from one source: the config schema and the device-kind descriptors. The
 * docs mark every default they state, and this module fills the marks from the code:
 *
 *   <!-- default:alerts.flapping.windowS s -->600 s<!-- /default -->     one value (a settings path, a unit)
 *   <!-- defaults:kind-timeouts -->…<!-- /defaults -->                    a generated table or list
 *
 * `npm run docs` rewrites README.md and docs/*.md; test/docs/defaults.test.ts fails when a committed
 * doc differs from what this produces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deviceKindList } from '../../devices/index.js';
import { defaultRules, type ThresholdRule } from '../../hub/config/alerts.js';
import { configSchema, storeSchema, villageSchema } from '../../hub/config/schema.js';
import { MAX_METRICS } from '../../hub/ingest/payloads.js';
import { POLL_MARGIN_S } from '../../hub/registry/registry.js';
import { uplinkSchema } from '../../hub/config/uplink.js';

/** The files whose defaults are generated. */
export const documentedFiles = ['README.md', 'docs/mqtt.md', 'docs/alerts.md', 'docs/storage.md', 'docs/reports.md', 'docs/uplink.md'] as const;

/** Every default a doc may state, by path: the schema's defaults plus a few constants of the code. */
export function defaultValues(): Record<string, unknown> {
  const influx = storeSchema.parse({ kind: 'influx', url: 'http://127.0.0.1:8086' });
  if (influx.kind !== 'influx') throw new Error('unreachable: influx store parsed as another kind');
  return {
    ...configSchema.parse({}),
    influx,
    village: villageSchema.parse({ id: 'v', name: 'v' }),
    ingest: { maxMetrics: MAX_METRICS },
    poll: { marginS: POLL_MARGIN_S },
    // `uplink:` is off unless configured: its defaults are those of a section that gives only the URL.
    uplink: uplinkSchema.parse({ url: 'mqtt://commune.example' }),
  };
}

function lookup(values: Record<string, unknown>, dotted: string): unknown {
  let cur: unknown = values;
  for (const key of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(key in cur)) throw new Error(`no default "${dotted}" (at "${key}")`);
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A retention such as 30d or 104w as people say it. */
function retention(spec: string): string {
  const m = /^(\d+)([hdw])$/.exec(spec);
  if (!m) return spec;
  const n = Number(m[1]);
  if (m[2] === 'h') return plural(n, 'hour');
  if (m[2] === 'd') return plural(n, 'day');
  return n % 52 === 0 ? plural(n / 52, 'year') : plural(n, 'week');
}

/** Seconds as a short duration: 600 → 10 min, 172800 → 2 days, 45 → 45 s. */
export function duration(s: number): string {
  if (s >= 86_400 && s % 86_400 === 0) return plural(s / 86_400, 'day');
  if (s >= 3_600 && s % 3_600 === 0) return `${s / 3_600} h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

function format(value: unknown, unit: string | undefined): string {
  if (unit === undefined) return String(value);
  if (typeof value === 'string' && unit === 'retention') return retention(value);
  if (typeof value !== 'number') throw new Error(`unit "${unit}" needs a number, got ${JSON.stringify(value)}`);
  switch (unit) {
    case 's':
      return `${value} s`;
    case 'min':
      return `${value} min`;
    case 'duration':
      return duration(value);
    default:
      throw new Error(`unknown unit "${unit}"`);
  }
}

function ruleText(r: ThresholdRule): string {
  const metric = r.abs ? `abs(${r.metric})` : r.metric;
  return `${r.kind ?? 'any'} \`${metric} ${r.op} ${r.value}\``;
}

/** Generated tables and lists, by name. */
export const blocks: Record<string, () => string> = {
  'kind-timeouts': () =>
    [
      '| kind | what | default `timeoutS` |',
      '|---|---|---|',
      ...deviceKindList.map((k) => `| \`${k.kind}\` | ${k.label.en} | ${k.defaultTimeoutS} s |`),
    ].join('\n'),
  'alert-rules': () =>
    [
      '| id | rule | hold | severity |',
      '|---|---|---|---|',
      ...defaultRules.map((r) => `| \`${r.id}\` | ${ruleText(r)} | ${r.forS === 0 ? '—' : duration(r.forS)} | ${r.severity} |`),
    ].join('\n'),
  kinds: () => deviceKindList.map((k) => `\`${k.kind}\``).join(', '),
};

const VALUE = /<!-- default:([A-Za-z0-9_.]+)(?: ([a-z]+))? -->([\s\S]*?)<!-- \/default -->/g;
const BLOCK = /<!-- defaults:([a-z0-9-]+) -->([\s\S]*?)<!-- \/defaults -->/g;

/** The text with every mark filled from the code; throws on a mark naming nothing. */
export function fillDefaults(text: string, values: Record<string, unknown> = defaultValues()): string {
  return text
    .replace(VALUE, (_all, key: string, unit: string | undefined) => `<!-- default:${key}${unit ? ` ${unit}` : ''} -->${format(lookup(values, key), unit)}<!-- /default -->`)
    .replace(BLOCK, (_all, name: string, old: string) => {
      const render = blocks[name];
      if (!render) throw new Error(`unknown generated block "${name}"; known: ${Object.keys(blocks).join(', ')}`);
      // Tables need their own lines; inline lists stay inline.
      const multiline = old.startsWith('\n');
      return `<!-- defaults:${name} -->${multiline ? `\n${render()}\n` : render()}<!-- /defaults -->`;
    });
}

/** The marks a text uses: value keys and block names. */
export function marksIn(text: string): { values: string[]; blocks: string[] } {
  return {
    values: [...text.matchAll(VALUE)].map((m) => m[1] as string),
    blocks: [...text.matchAll(BLOCK)].map((m) => m[1] as string),
  };
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `npm run docs`: rewrites the documented files in place; `--check` only says which differ. */
function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const rel of documentedFiles) {
    const file = path.join(root, rel);
    const text = readFileSync(file, 'utf8');
    const filled = fillDefaults(text);
    if (filled === text) continue;
    stale++;
    if (check) process.stdout.write(`${rel}: defaults differ from the code; run npm run docs\n`);
    else {
      writeFileSync(file, filled);
      process.stdout.write(`${rel}: defaults updated\n`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
