import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, removeBuild } from '../helpers/dashboard.js';
import { startTestHub, testVillage, type TestHub } from '../helpers/hub.js';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly these headers and the body as sent (fetch would decompress and add its own). */
function rawGet(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http
      .request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject)
      .end();
  });
}

describe('the built dashboard, served compressed and cached', () => {
  let outDir: string;
  let t: TestHub;
  let script: string;
  let style: string;

  beforeAll(async () => {
    // The real build (with its precompression step), in a folder of its own.
    outDir = await buildDashboard('langso-static-');
    const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
    script = /src="\.?(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
    style = /href="\.?(\/assets\/[^"]+\.css)"/.exec(html)?.[1] ?? '';
    expect(script).toMatch(/^\/assets\/.+-[A-Za-z0-9_-]{8,}\.js$/);
    t = await startTestHub({ villages: [testVillage], devices: [] }, { dashboardDir: outDir });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await removeBuild(outDir);
  });

  it('sends a hashed script as brotli to a browser that takes it, cached for a year as immutable', async () => {
    const plain = await readFile(path.join(outDir, script));
    const res = await rawGet(`${t.httpUrl}${script}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toMatch(/Accept-Encoding/i);
    expect(res.body.length).toBeLessThan(plain.length / 2);
    expect(brotliDecompressSync(res.body).equals(plain)).toBe(true);
  });

  it('falls back to gzip, then to the file as is', async () => {
    const plain = await readFile(path.join(outDir, style));
    const gz = await rawGet(`${t.httpUrl}${style}`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-type']).toMatch(/^text\/css/);
    expect(gunzipSync(gz.body).equals(plain)).toBe(true);
    const none = await rawGet(`${t.httpUrl}${style}`, { 'accept-encoding': 'identity' });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.equals(plain)).toBe(true);
    expect(none.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('index.html is compressed too but revalidated on every visit, and answers 304 when unchanged', async () => {
    const res = await rawGet(`${t.httpUrl}/`, { 'accept-encoding': 'br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(brotliDecompressSync(res.body).toString('utf8')).toContain('<div id="app">');
    const etag = res.headers.etag;
    expect(etag).toBeTruthy();
    const again = await rawGet(`${t.httpUrl}/index.html`, { 'accept-encoding': 'br', 'if-none-match': String(etag) });
    expect(again.status).toBe(304);
    const head = await rawGet(`${t.httpUrl}${script}`, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.body.length).toBe(0);
  });

  it('serves nothing outside the build and leaves the API alone', async () => {
    expect((await rawGet(`${t.httpUrl}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await rawGet(`${t.httpUrl}/assets/nothing-here-12345678.js`)).status).toBe(404);
    const api = await rawGet(`${t.httpUrl}/api/devices`, { 'accept-encoding': 'br', cookie: (await t.admin()).cookie });
    expect(api.status).toBe(200);
    expect(api.headers['content-type']).toMatch(/^application\/json/);
  });
});
