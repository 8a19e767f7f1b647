import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** The hub during development (`langso start`); the dev server forwards REST and socket.io to it. */
const hub = process.env.LANGSO_DEV_HUB ?? 'http://localhost:8080';

/**
 * Writes `.br` and `.gz` next to every text file of the build, once, at build time: the hub serves them
 * to browsers that accept them (hub/web/static.ts) without compressing on every request on the village PC.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'langso-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      for (const [name, item] of Object.entries(bundle)) {
        if (!/\.(js|css|html|svg|json|txt)$/.test(name)) continue;
        const body = Buffer.from(item.type === 'chunk' ? item.code : item.source);
        if (body.length < 512) continue;
        const file = path.join(outDir, name);
        const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
        const gz = gzipSync(body, { level: 9 });
        if (br.length < body.length) writeFileSync(`${file}.br`, br);
        if (gz.length < body.length) writeFileSync(`${file}.gz`, gz);
      }
    },
  };
}

export default defineConfig({
  root: 'dashboard',
  // Relative asset URLs, so the hub can serve the build under any path.
  base: './',
  plugins: [precompress()],
  build: {
    outDir: '../dist/dashboard',
    emptyOutDir: true,
    target: 'es2020',
  },
  server: {
    proxy: {
      '/api': { target: hub },
      '/socket.io': { target: hub, ws: true },
    },
  },
});
