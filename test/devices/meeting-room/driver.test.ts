import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CheckError, type CheckResult } from '../../../devices/driver.js';
import { meetingRoomCheck, meetingRoomConfigSchema } from '../../../devices/meeting-room/driver.js';
import { httpProbe, icmpProbe, parsePingTime, splitCredentials } from '../../../devices/probes.js';
import { codecStatusBody, startCodecPage, startTcpStandIn, type CodecPage, type TcpStandIn } from '../../../devices/meeting-room/simulator.js';
import { PollRunner } from '../../../devices/runner.js';
import { startTestHub, testVillage, waitFor } from '../../helpers/hub.js';
import { reasonText } from '../../../shared/reasons.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';
import { configProblems } from '../../helpers/config.js';

const cleanups = cleanupsAfter('each');

async function meetingSet(): Promise<{ codec: CodecPage; display: TcpStandIn }> {
  const codec = await startCodecPage();
  const display = await startTcpStandIn();
  cleanups.push(() => codec.close(), () => display.close());
  return { codec, display };
}

function checksFor(codec: CodecPage, display: TcpStandIn, extra: Array<Record<string, unknown>> = []) {
  return [
    { name: 'codec', type: 'http', url: codec.url, keyword: 'Registered' },
    { name: 'display', type: 'tcp', host: '127.0.0.1', port: display.port },
    { name: 'pc', type: 'icmp', host: '127.0.0.1' },
    ...extra,
  ];
}

const run = (poll: Record<string, unknown>): Promise<CheckResult> => meetingRoomCheck(meetingRoomConfigSchema.parse(poll))(new AbortController().signal);

describe('meeting-room checks against stand-ins', () => {
  it('is up when every required part answers, with a latency per part', async () => {
    const { codec, display } = await meetingSet();
    const r = await run({ checks: checksFor(codec, display) });
    expect(r.down).toBeUndefined();
    expect(r.fields).toEqual({
      codecOk: true,
      codecMs: expect.any(Number),
      displayOk: true,
      displayMs: expect.any(Number),
      pcOk: true,
      pcMs: expect.any(Number),
    });
    expect(r.fields.pcMs).toBeLessThan(50);
  });

  it('names the required part that fails', async () => {
    const { codec, display } = await meetingSet();
    const poll = { checks: checksFor(codec, display) };
    await display.stop();
    let r = await run(poll);
    // The part and its own reason as codes people read translated; the technical text beside them.
    expect(r.down).toEqual({ code: 'part-down', params: { part: 'display', partCode: 'refused', port: display.port }, detail: 'display: connection refused' });
    expect(r.fields).toMatchObject({ displayOk: false, codecOk: true, pcOk: true });
    expect(r.fields).not.toHaveProperty('displayMs');

    codec.set({ body: codecStatusBody('Unregistered') });
    r = await run(poll);
    // The first failing part is named, with how many more; the raw text lists them all.
    expect(r.down).toEqual({
      code: 'part-down',
      params: { part: 'codec', partCode: 'keyword-missing', keyword: 'Registered', more: 1 },
      detail: 'codec: "Registered" not on the page; display: connection refused',
    });

    await display.start();
    codec.set({ status: 503, body: 'busy' });
    expect((await run(poll)).down).toEqual({ code: 'part-down', params: { part: 'codec', partCode: 'http-status', status: 503 }, detail: 'codec: HTTP 503' });
    codec.set({ status: 200, body: codecStatusBody() });
    expect((await run({ checks: [{ name: 'codec', type: 'http', url: codec.url, expectStatus: 204 }] })).down).toEqual({
      code: 'part-down',
      params: { part: 'codec', partCode: 'http-status', status: 200, expected: 204 },
      detail: 'codec: HTTP 200 (expected 204)',
    });
    expect((await run(poll)).down).toBeUndefined();
  });

  it('does not take the set down for a part that is not required', async () => {
    const { codec, display } = await meetingSet();
    const spare = await startTcpStandIn();
    await spare.close();
    const r = await run({ checks: checksFor(codec, display, [{ name: 'camera', type: 'tcp', host: '127.0.0.1', port: spare.port, required: false }]) });
    expect(r.down).toBeUndefined();
    expect(r.fields.cameraOk).toBe(false);
  });

  it('cuts a hung status page at the timeout and says which part hung', async () => {
    const { codec, display } = await meetingSet();
    codec.set({ hang: true });
    const settings = meetingRoomConfigSchema.parse({ timeoutS: 1, retries: 0, checks: checksFor(codec, display) });
    const runner = new PollRunner({ settings, check: meetingRoomCheck(settings), onResult: () => undefined });
    const t0 = performance.now();
    const r = await runner.runOnce();
    const elapsed = performance.now() - t0;
    // Inside the runner's 1 s: the check itself reports the hung part instead of timing out whole.
    expect(r).toMatchObject({
      ok: true,
      down: { code: 'part-down', params: { part: 'codec', partCode: 'timeout', s: 0.9 }, detail: 'codec: no answer within 0.9 s' },
      fields: { displayOk: true, pcOk: true, codecOk: false },
    });
    expect(elapsed).toBeGreaterThan(850);
    expect(elapsed).toBeLessThan(1_000);
    expect(codec.requests()).toBe(1);
  });
});

describe('HTTP checks of a page behind Basic authentication', () => {
  it('sends the credentials written in the URL as a header (fetch refuses them in the URL)', async () => {
    const { createServer } = await import('node:http');
    let seen: string | undefined;
    const server = createServer((req, res) => {
      seen = req.headers.authorization;
      res.statusCode = seen === `Basic ${Buffer.from('admin:mật khẩu').toString('base64')}` ? 200 : 401;
      res.end('Registered');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const r = await httpProbe(`http://admin:m%E1%BA%ADt%20kh%E1%BA%A9u@127.0.0.1:${port}/status`, { keyword: 'Registered' }, 2_000, new AbortController().signal);
    expect(r).toMatchObject({ ok: true });
    expect(splitCredentials(`http://127.0.0.1:${port}/x`)).toEqual({ href: `http://127.0.0.1:${port}/x`, auth: {} });
  });
});

describe('ICMP with the system ping', () => {
  it('reads the round trip to 127.0.0.1', async () => {
    const r = await icmpProbe('127.0.0.1', 2_000, new AbortController().signal);
    expect(r).toEqual({ ok: true, ms: expect.any(Number) });
    expect(parsePingTime('64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.071 ms')).toBe(0.071);
  });

  it('reports a host that does not answer', async () => {
    // 240.0.0.0/4 is reserved (RFC 1112): nothing answers; "unreachable" where there is no route at all.
    const r = await icmpProbe('240.0.0.1', 1_000, new AbortController().signal);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.why).toMatch(/^(no reply|unreachable.*)$/);
    // No reply within ping's -W (whole seconds), or no route at all.
    expect(r.ok ? null : r.code).toMatch(/^(timeout|unreachable)$/);
  });

  it('maps ping exit statuses and kills ping when the check is aborted', async () => {
    // Stand-ins for ping's failure modes on other networks: exit 2 at once (no route), exit 1 with a
    // router's ICMP error, and a ping that hangs.
    const dir = await mkdtemp(path.join(tmpdir(), 'langso-ping-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const fake = async (name: string, body: string) => {
      const file = path.join(dir, name);
      await writeFile(file, `#!/bin/sh\n${body}\n`);
      await chmod(file, 0o755);
      return file;
    };
    const signal = new AbortController().signal;
    expect(await icmpProbe('10.9.9.9', 1_000, signal, await fake('noroute', 'echo "ping: connect: Network is unreachable" >&2; exit 2'))).toEqual({
      ok: false,
      code: 'unreachable',
      why: 'unreachable',
    });
    expect(await icmpProbe('nowhere.invalid', 1_000, signal, await fake('nodns', 'echo "ping: nowhere.invalid: Name or service not known" >&2; exit 2'))).toEqual({
      ok: false,
      code: 'dns',
      params: { host: 'nowhere.invalid' },
      why: 'unreachable (cannot resolve nowhere.invalid)',
    });
    expect(await icmpProbe('10.0.0.9', 1_000, signal, await fake('hostunreach', 'echo "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"; exit 1'))).toEqual({
      ok: false,
      code: 'unreachable',
      why: 'unreachable (destination host unreachable)',
    });
    expect(await icmpProbe('10.0.0.9', 2_000, signal, await fake('noreply', 'exit 1'))).toEqual({ ok: false, code: 'timeout', params: { s: 2 }, why: 'no reply' });
    expect(await icmpProbe('10.0.0.9', 1_000, signal, path.join(dir, 'missing'))).toMatchObject({ ok: false, code: 'ping-failed', why: expect.stringContaining('not installed') });

    const pidFile = path.join(dir, 'hang.pid');
    const hang = await fake('hang', `echo $$ > ${pidFile}; exec sleep 30`);
    const ac = new AbortController();
    const pending = icmpProbe('10.0.0.9', 9_000, ac.signal, hang);
    await new Promise((r) => setTimeout(r, 150));
    ac.abort(new CheckError('timeout', 'timeout after 0.1 s', { s: 0.1 }));
    // Cut by the runner: its timeout, with its seconds.
    expect(await pending).toEqual({ ok: false, code: 'timeout', params: { s: 0.1 }, why: 'timeout after 0.1 s' });
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true; // ESRCH: the stand-in ping is gone
      }
    }, 2_000, 'the killed ping to exit');
  });
});

describe('meeting-room poll config', () => {
  const problems = (poll: Record<string, unknown>): string[] => {
    const doc = stringify({ villages: [testVillage], devices: [{ id: 'phong-hop', village: 'dong-cam', name: 'Phòng họp', kind: 'meeting-room', poll }] });
    return configProblems(doc, 'test.yaml');
  };

  it('fills the defaults', () => {
    expect(meetingRoomConfigSchema.parse({ checks: [{ name: 'codec', type: 'icmp', host: '10.0.0.5' }] })).toEqual({
      intervalS: 15,
      timeoutS: 5,
      retries: 1,
      checks: [{ name: 'codec', type: 'icmp', host: '10.0.0.5', required: true }],
    });
  });

  it('names the device and the field', () => {
    expect(problems({ checks: [] })).toEqual(['devices[0].poll.checks: expected at least one check (codec, display, camera…) (device "phong-hop")']);
    const p = problems({
      checks: [
        { name: 'man-hinh', type: 'tcp', host: '10.0.0.6' },
        { name: 'codec', type: 'http', url: 'ftp://10.0.0.5/' },
        { name: 'codec', type: 'icmp', host: '10.0.0.5' },
        { name: 'loa', type: 'snmp', host: '10.0.0.7' },
      ],
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\[0\]\.poll\.checks\[0\]\.name: expected a short lowercase name.*\(device "phong-hop"\)$/),
        expect.stringMatching(/^devices\[0\]\.poll\.checks\[0\]\.port: .*\(device "phong-hop"\)$/),
        expect.stringMatching(/^devices\[0\]\.poll\.checks\[1\]\.url: .*\(device "phong-hop"\)$/),
        expect.stringMatching(/^devices\[0\]\.poll\.checks\[3\]\.type: .*icmp.*\(device "phong-hop"\)$/),
      ]),
    );
  });

  it('refuses two checks with one name', () => {
    expect(problems({ checks: [{ name: 'codec', type: 'icmp', host: 'a' }, { name: 'codec', type: 'icmp', host: 'b' }] })).toEqual([
      'devices[0].poll.checks[1].name: duplicate check name "codec" (device "phong-hop")',
    ]);
  });
});

describe('meeting-room polled by the hub', () => {
  it('is online while the set is ready and offline naming the part that is not', async () => {
    const { codec, display } = await meetingSet();
    const t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'phong-hop', village: 'dong-cam', name: 'Phòng họp trực tuyến', kind: 'meeting-room', poll: { intervalS: 0.3, timeoutS: 0.5, checks: checksFor(codec, display) } }],
    });
    cleanups.push(() => t.stop());
    const ref = { village: 'dong-cam', device: 'phong-hop' };
    const on = await waitFor(() => (t.hub.ctx.devices.get(ref)?.state === 'online' && t.hub.ctx.devices.get(ref)?.telemetry ? t.hub.ctx.devices.get(ref) : null), 8_000, 'online');
    expect(on.telemetry?.fields).toMatchObject({ codecOk: true, displayOk: true, pcOk: true });
    await display.stop();
    const off = await waitFor(() => (t.hub.ctx.devices.get(ref)?.state === 'offline' ? t.hub.ctx.devices.get(ref) : null), 5_000, 'offline');
    expect(off.reason).toBe('display: connection refused');
    expect(off.reasonCode).toBe('part-down');
    expect(off.reasonParams).toEqual({ part: 'display', partCode: 'refused', port: display.port });
    expect(reasonText(off.reasonCode ?? '', off.reasonParams, 'vi')).toBe(`màn hình: cổng ${display.port} không mở (thiết bị từ chối kết nối)`);
  });
});
