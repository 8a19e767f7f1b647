/**
 * The hub as a village runs it: after `tsc -p tsconfig.build.json`, the command's modules (dist/hub/cli/
 * commands.js and everything it imports of ours and of our dependencies) become one minified module with
 * chunks for what is loaded on demand. V8 keeps every module's source text in memory for as long as the
 * hub runs; minified, the hub holds ~4 MiB less (docs/benchmarks.md, "Memory"). Native addons and the
 * libraries loaded only for some devices (ONVIF, SNMP, e-mail, JPEG) stay ordinary packages.
 *
 *   node scripts/build/bundle.mjs [ROOT] [--no-minify]
 *     ROOT: a checkout whose dist/ to bundle (this one by default); --no-minify keeps every name, for
 *     reading a CPU profile of the hub as a village runs it.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const minify = !args.includes('--no-minify');
const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
const cliDir = path.join(root, 'dist', 'hub', 'cli');
const BANNER = "import { createRequire as __langsoRequire } from 'node:module'; const require = __langsoRequire(import.meta.url);";
if (readFileSync(path.join(cliDir, 'commands.js'), 'utf8').startsWith(BANNER)) {
  // Bundling the bundle would keep the chunks of the last build: the modules must be tsc's.
  process.stderr.write('dist/hub/cli/commands.js is already the bundle: run "tsc -p tsconfig.build.json" first (npm run build does both)\n');
  process.exit(1);
}
/** `debug` resolves to debug-quiet.cjs, which loads the real package only when DEBUG is set. */
const DEBUG_QUIET = path.join(path.dirname(fileURLToPath(import.meta.url)), 'debug-quiet.cjs');
const quietDebug = {
  name: 'quiet-debug',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, (args) =>
      args.importer === DEBUG_QUIET ? { path: createRequire(path.join(root, 'package.json')).resolve('debug') } : { path: DEBUG_QUIET },
    );
  },
};
const out = mkdtempSync(path.join(tmpdir(), 'langso-bundle-'));
try {
  await build({
    entryPoints: [path.join(cliDir, 'commands.js')],
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // No `keepNames`: it wraps every named function the code creates (each closure the hub makes per
    // MQTT message) in a call that defines its `name`, measured at ~15 % of the hub's CPU through a
    // burst. The hub's own errors and logs never rely on a function's or class's name (errors name
    // themselves, logs carry messages); V8's stack traces show the bundle's names either way.
    // Identifiers minified too: the unminified names cost ~4 MiB of memory (measured idle and with 500
    // polled devices).
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: minify,
    outdir: out,
    chunkNames: 'chunks/[name]-[hash]',
    external: ['better-sqlite3', 'classic-level', 'level', 'onvif', 'net-snmp', 'nodemailer', 'jpeg-js', 'iconv-lite', 'influx', 'prom-client'],
    // Packages written as CommonJS call require(); in an ES module it comes from createRequire.
    banner: { js: BANNER },
    plugins: [quietDebug],
    logLevel: 'warning',
  });
  rmSync(path.join(cliDir, 'chunks'), { recursive: true, force: true });
  cpSync(path.join(out, 'chunks'), path.join(cliDir, 'chunks'), { recursive: true });
  renameSync(path.join(out, 'commands.js'), path.join(cliDir, 'commands.js'));
  // tsc's source map describes the module this replaced.
  rmSync(path.join(cliDir, 'commands.js.map'), { force: true });
  const chunks = readdirSync(path.join(cliDir, 'chunks')).length;
  process.stdout.write(`bundled dist/hub/cli/commands.js (${chunks} chunks)\n`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
