import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { knownReason, partName, reasonCodes, reasonText, reasonView, type ReasonParams } from '../../shared/reasons.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(rel)));
    else if (/\.(ts|sh)$/.test(e.name)) out.push(rel);
  }
  return out;
}

/**
 * Every reason code the pollers, agents and the hub write, read from their source: the places a code is
 * set (a CheckError, a probe failure, a `code:` field, a status payload's "code", the hub's REASON_*).
 */
async function codesInSource(): Promise<Map<string, string[]>> {
  const patterns = [
    /new (?:CheckError|SnmpError)\(\s*'([a-z][a-z0-9-]*)'/g,
    /\bfail\('([a-z][a-z0-9-]*)'/g,
    /\be\('([a-z][a-z0-9-]*)'/g,
    // A reason object literal ({ code: 'part-down', params… }); zod's issue code 'custom' is not one.
    /\bcode: '(?!custom')([a-z][a-z0-9-]*)',(?:\s*\/\/[^\n]*)*\s*(?:params|detail)\b/g,
    /"code":\s*"([a-z][a-z0-9-]*)"/g,
    // The probes' socket error table: ECONNREFUSED: ['refused', 'connection refused'].
    /[A-Z]+: \['([a-z][a-z0-9-]*)', '/g,
    /timeoutError\([^)]*'([a-z][a-z0-9-]*)'\)/g,
    /export const REASON_[A-Z_]+ = '([a-z][a-z0-9-]*)'/g,
    // ingest: a Last Will's "lwt" sent as the reason is the code.
    /\? '(lwt)' :/g,
    /reasonCode: '([a-z][a-z0-9-]*)'/g,
  ];
  const found = new Map<string, string[]>();
  const files = [...(await sourceFiles('devices')), 'hub/availability/availability.ts', 'hub/availability/internet.ts', 'hub/ingest/ingest.ts'];
  for (const file of files) {
    // The simulators stand in for devices and speak their own words; the hub's pollers are what count here.
    if (/(^|\/)(sim|simulator)(\/|\.ts$)/.test(file)) continue;
    const text = await readFile(path.join(root, file), 'utf8');
    for (const re of patterns) {
      for (const m of text.matchAll(re)) {
        const code = m[1] as string;
        found.set(code, [...(found.get(code) ?? []), file]);
      }
    }
  }
  return found;
}

/** Parameters that are read as words (a part's own reason, a part's name) or left to the technical text. */
const unshown = new Set(['partCode', 'part', 'method', 'oid']);

/** Parameters as the pollers send them, so every phrase is read with its parameters filled in. */
const sample: Record<string, ReasonParams> = {
  timeout: { s: 2 },
  refused: { port: 554 },
  dns: { host: 'cam.lan' },
  'http-status': { status: 503 },
  'keyword-missing': { keyword: 'Registered' },
  'onvif-refused': { port: 80 },
  'onvif-unsupported': { method: 'GetProfiles' },
  'rtsp-refused': { port: 554 },
  'rtsp-status': { status: 500 },
  'snmp-no-object': { oid: '1.3.6.1.2.1.1.3.0' },
  'interface-down': { iface: 'wlan0' },
  'interface-missing': { iface: 'wlan9' },
  'part-down': { part: 'display', partCode: 'refused', port: 5000 },
  'internet-unreachable': { tried: 2 },
  'disk-unreadable': { path: 'D:\\' },
  maintenance: { note: 'thay nguồn' },
};

describe('reason phrasebook (shared/reasons.ts)', () => {
  it('has a phrase for every code the pollers, agents and hub emit, in Vietnamese and English', async () => {
    const found = await codesInSource();
    // The scan finds what the code writes; if it found nothing the test would prove nothing.
    expect(found.size).toBeGreaterThan(25);
    const missing = [...found].filter(([code]) => !knownReason(code)).map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`);
    expect(missing).toEqual([]);
    // …and every code of the list is one something emits (no phrase for a code nobody sends).
    expect(reasonCodes.filter((c) => !found.has(c))).toEqual([]);
  });

  it('docs/devices.md lists every code', async () => {
    const doc = await readFile(path.join(root, 'docs/devices.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Reasons'), doc.indexOf('\n## ', doc.indexOf('## Reasons') + 1));
    const listed = [...section.matchAll(/^\| `([a-z][a-z0-9-]*)` \|/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...reasonCodes].sort());
  });

  it.each(reasonCodes.map((c) => [c]))('%s reads naturally in both languages, parameters filled in', (code) => {
    const params = sample[code];
    const vi = reasonText(code, params, 'vi');
    const en = reasonText(code, params, 'en');
    expect(vi).toBeTruthy();
    expect(en).toBeTruthy();
    expect(vi).not.toBe(en);
    // Vietnamese words, not English ones with a Vietnamese label.
    expect(vi).toMatch(/[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i);
    for (const text of [vi, en]) {
      expect(text).not.toMatch(/undefined|NaN|\[object|\{\w+\}/);
      // Every parameter people need shows up in the sentence.
      for (const [k, v] of Object.entries(params ?? {})) if (!unshown.has(k)) expect(text).toContain(String(v));
    }
  });

  it('says the things the issue asks for, in plain words', () => {
    expect(reasonText('onvif-unauthorized', undefined, 'vi')).toBe('camera từ chối mật khẩu (sai tên đăng nhập hoặc mật khẩu)');
    expect(reasonText('timeout', { s: 3 }, 'vi')).toBe('không trả lời sau 3 giây');
    expect(reasonText('timeout', { s: 4.5 }, 'vi')).toBe('không trả lời sau 4,5 giây');
    expect(reasonText('timeout', { s: 4.5 }, 'en')).toBe('no answer within 4.5 s');
    expect(reasonText('refused', { port: 554 }, 'vi')).toBe('cổng 554 không mở (thiết bị từ chối kết nối)');
    // The hub's heartbeat timeout has no seconds: the device went silent.
    expect(reasonText('timeout', undefined, 'vi')).toBe('không nhận được tín hiệu từ thiết bị');
    expect(reasonText('interface-down', { iface: 'eth1' }, 'vi')).toBe('cổng mạng eth1 đang tắt');
    expect(reasonText('interface-down', { iface: 'wlan0', status: 'dormant' }, 'en')).toBe('the Wi-Fi radio (wlan0) is down (dormant)');
  });

  it('a part of a meeting set is named in words, with its own reason, and how many more failed', () => {
    expect(reasonText('part-down', { part: 'codec', partCode: 'timeout', s: 4.5, more: 2 }, 'vi')).toBe('thiết bị họp (codec): không trả lời sau 4,5 giây (và 2 bộ phận khác)');
    expect(reasonText('part-down', { part: 'loa_ngoai', partCode: 'refused', port: 80 }, 'en')).toBe('loa_ngoai: port 80 is not open (connection refused)');
    expect(partName('display', 'vi')).toBe('màn hình');
  });

  it('unknown codes fall back to the raw text; a known code sent as the reason is still translated', () => {
    expect(reasonText('no-such-code', undefined, 'vi')).toBeNull();
    expect(reasonView({ reason: 'quạt hỏng', reasonCode: 'fan-failed' }, 'vi')).toEqual({ words: 'quạt hỏng', detail: null });
    expect(reasonView({ reason: 'lwt' }, 'vi').words).toBe('thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)');
    expect(reasonView({ reason: 'mất điện' }, 'en')).toEqual({ words: 'mất điện', detail: null });
    // The raw text is kept behind the words when it says more than the code.
    expect(reasonView({ reason: 'ONVIF: 401 Unauthorized', reasonCode: 'onvif-unauthorized' }, 'vi')).toEqual({
      words: 'camera từ chối mật khẩu (sai tên đăng nhập hoặc mật khẩu)',
      detail: 'ONVIF: 401 Unauthorized',
    });
    expect(reasonView({ reason: 'timeout', reasonCode: 'timeout' }, 'vi').detail).toBeNull();
    expect(reasonView({ reason: 'thay nguồn', reasonCode: 'maintenance', reasonParams: { note: 'thay nguồn' } }, 'vi')).toEqual({ words: 'đang bảo trì: thay nguồn', detail: null });
  });
});
