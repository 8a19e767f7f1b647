/**
 * Writes the figures of one `npm run bench` (the records in $LANGSO_BENCH_OUT, report.ts) into
 * docs/benchmarks.md, between its `bench:begin` and `bench:end` markers: the machine, the time, the load
 * average around each benchmark and each one's printed lines. The text around the markers is kept.
 *
 *   node --import tsx scripts/bench/write-doc.ts <dir> [docs/benchmarks.md]
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './hub-process.js';
import { machineLine, type BenchRecord } from './report.js';

const ORDER = ['ingest', 'push', 'memory', 'recovery', 'uptime-report', 'dashboard-load'];
const BEGIN = '<!-- bench:begin (written by scripts/bench/write-doc.ts) -->';
const END = '<!-- bench:end -->';

const dir = process.argv[2];
if (!dir) throw new Error('usage: write-doc.ts <dir with the records> [file]');
const file = process.argv[3] ?? path.join(repoRoot, 'docs', 'benchmarks.md');
const records: BenchRecord[] = [];
for (const f of (await readdir(dir)).filter((f) => f.endsWith('.json'))) records.push(JSON.parse(await readFile(path.join(dir, f), 'utf8')) as BenchRecord);
records.sort((a, b) => (ORDER.indexOf(a.name) + 1 || 99) - (ORDER.indexOf(b.name) + 1 || 99));
if (records.length === 0) throw new Error(`no benchmark records in ${dir}`);

const block = [
  BEGIN,
  '',
  `Run of ${records[records.length - 1]!.at.slice(0, 16).replace('T', ' ')} UTC, commit \`${process.env.LANGSO_BENCH_COMMIT ?? 'unknown'}\`.`,
  '',
  '```',
  machineLine(),
  '```',
  '',
  ...records.flatMap((r) => [`### ${r.name}`, '', `1-minute load average ${r.load.start.toFixed(2)} at the start, ${r.load.end.toFixed(2)} at the end.`, '', '```', ...r.lines, '```', '']),
  END,
];

let text: string;
try {
  text = await readFile(file, 'utf8');
} catch {
  text = `# Benchmarks\n\n${BEGIN}\n${END}\n`;
}
const from = text.indexOf(BEGIN);
const to = text.indexOf(END);
if (from < 0 || to < from) throw new Error(`${file}: the ${BEGIN} … ${END} markers are missing`);
await writeFile(file, text.slice(0, from) + block.join('\n') + text.slice(to + END.length));
console.log(`${file}: figures of ${records.map((r) => r.name).join(', ')} written`);
