import { defineConfig } from 'vite';

/** The hub during development (`langso start`); the dev server forwards REST and socket.io to it. */
const hub = process.env.LANGSO_DEV_HUB ?? 'http://localhost:8080';

export default defineConfig({
  root: 'dashboard',
  // Relative asset URLs, so the hub can serve the build under any path.
  base: './',
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
