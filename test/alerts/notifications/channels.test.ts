import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Notifications } from '../../../hub/alerts/outbox.js';
import { TelegramNotifier } from '../../../hub/alerts/notifiers/telegram.js';
import { emitAlert, makeAlert, makeCtx, sleep, startHttp, startSmtp, tempDir, waitFor, type TestCtx } from './helpers.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';

const TOKEN = '123456789:AAE-test_token';
const CHAT = -1001234567890;
const TEXT = /^Camera cổng thôn \(Đông Căm\) mất kết nối lúc \d\d:\d\d — nguyên nhân: bộ phát Wi-Fi trung tâm mất điện$/;
const cleanups = cleanupsAfter('each');

/** One channel that gets every critical alert. */
async function withChannel(channel: Record<string, unknown>, retry: Record<string, number> = {}): Promise<{ t: TestCtx; n: Notifications }> {
  const tmp = await tempDir();
  const t = makeCtx(
    { notify: { channels: [{ id: 'ch', ...channel }], routes: [{ minSeverity: 'critical', channels: ['ch'] }], retry: { initialS: 0.05, maxS: 0.2, expireAfterS: 3600, ...retry } } },
    path.join(tmp.dir, 'state.db'),
  );
  const n = new Notifications(t.ctx);
  n.start();
  cleanups.push(tmp.remove, () => t.close(), () => n.stop());
  return { t, n };
}

const fire = (t: TestCtx) => emitAlert(t, 'fired', makeAlert({ startedAt: Date.now() }));
const okReply = { status: 200, body: { ok: true, result: { message_id: 7 } } };

describe('Telegram Bot API channel', () => {
  it('POSTs sendMessage to <apiBase>/bot<token>/ with the chat id and the text', async () => {
    const api = await startHttp(() => okReply);
    cleanups.push(api.close);
    const { t, n } = await withChannel({ type: 'telegram', token: TOKEN, chatId: CHAT, apiBase: `${api.url}/` });
    fire(t);
    const r = await waitFor(() => api.requests[0]);
    expect(r.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(r.body).toEqual({ chat_id: CHAT, text: expect.stringMatching(TEXT), disable_web_page_preview: true });
    await waitFor(() => n.stats().delivered === 1);
  });

  it('401 Unauthorized (bad token) is given up at once, with a readable error and no token in it', async () => {
    const api = await startHttp(() => ({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } }));
    cleanups.push(api.close);
    const { t, n } = await withChannel({ type: 'telegram', token: TOKEN, chatId: CHAT, apiBase: api.url });
    fire(t);
    await waitFor(() => n.stats().failed === 1);
    await sleep(400);
    expect(api.requests).toHaveLength(1);
    expect(n.list()[0]).toMatchObject({ status: 'failed', lastError: 'Telegram: 401 Unauthorized' });
    expect(t.counters.get('notify.failed_attempts')).toBe(1);
  });

  it('honours 429 retry_after instead of its own (much shorter) backoff', async () => {
    const api = await startHttp((_r, n) =>
      n === 1 ? { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } } : okReply,
    );
    cleanups.push(api.close);
    const { t, n } = await withChannel({ type: 'telegram', token: TOKEN, chatId: String(CHAT), apiBase: api.url });
    fire(t);
    await waitFor(() => api.requests.length === 1);
    await waitFor(() => n.list()[0]?.lastError === 'Telegram: 429 Too Many Requests: retry after 1');
    await waitFor(() => n.stats().delivered === 1, 3_000, 'delivery after retry_after');
    const [first, second] = api.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    expect(second!.body.chat_id).toBe(String(CHAT));
  });
});

describe('Telegram: a report with its CSV', () => {
  const report = (text: string) => ({ kind: 'report' as const, id: 1, key: 'k-1', title: 'Làng Số: báo cáo hoạt động tháng 11/2026', text, ts: Date.now(), delayedS: 0, period: 'month:2026-11', report: {}, attachment: { filename: 'uptime-2026-11.csv', contentType: 'text/csv; charset=utf-8', content: '\uFEFFThôn\r\n' } });
  const send = async (text: string) => {
    const api = await startHttp(() => okReply);
    cleanups.push(api.close);
    const tg = new TelegramNotifier({ id: 'tg', type: 'telegram', token: TOKEN, chatId: CHAT, apiBase: api.url });
    await tg.send(report(text), AbortSignal.timeout(10_000));
    return api.requests;
  };
  const caption = (raw: string) => /name="caption"\r\n\r\n([\s\S]*?)\r\n--/.exec(raw)?.[1];

  it('goes as one sendDocument with the text as caption; a text too long for a caption goes first as a message', async () => {
    const short = await send('Báo cáo ngắn.');
    expect(short.map((r) => r.path)).toEqual([`/bot${TOKEN}/sendDocument`]);
    expect(caption(short[0]!.raw)).toBe('Báo cáo ngắn.');
    const text = 'x'.repeat(1_100);
    const long = await send(text);
    expect(long.map((r) => r.path)).toEqual([`/bot${TOKEN}/sendMessage`, `/bot${TOKEN}/sendDocument`]);
    expect(long[0]!.body).toMatchObject({ chat_id: CHAT, text });
    expect(caption(long[1]!.raw)).toBe('Làng Số: báo cáo hoạt động tháng 11/2026');
    expect(long[1]!.raw).toContain('filename="uptime-2026-11.csv"');
  });
});

describe('e-mail channel (SMTP with AUTH)', () => {
  const mailChannel = (port: number, pass = 's3cret-pass') => ({
    type: 'email',
    smtp: { host: '127.0.0.1', port, secure: false, user: 'hub@dongcam', pass },
    from: 'Làng Số Hub <hub@langso.local>',
    to: ['it@giaphu.local', 'lan@dongcam.local'],
  });

  it('sends Subject = title and the plain text body, from/to as configured, after logging in', async () => {
    const smtp = await startSmtp('hub@dongcam', 's3cret-pass');
    cleanups.push(smtp.close);
    const { t, n } = await withChannel(mailChannel(smtp.port));
    fire(t);
    const mail = await waitFor(() => smtp.mails[0], 10_000, 'mail');
    expect(mail.user).toBe('hub@dongcam');
    expect(mail.from).toBe('hub@langso.local');
    expect(mail.to).toEqual(['it@giaphu.local', 'lan@dongcam.local']);
    expect(mail.headers.from).toContain('hub@langso.local');
    expect(mail.headers.from).toContain('Làng Số Hub');
    expect(mail.headers.to).toBe('it@giaphu.local, lan@dongcam.local');
    expect(mail.headers.subject).toBe('Camera cổng thôn (Đông Căm) mất kết nối');
    expect(mail.text).toMatch(TEXT);
    expect(mail.headers['message-id']).toBe(`<${n.list()[0]?.key}@langso.hub>`);
    await waitFor(() => n.stats().delivered === 1);
  });

  it('a wrong password (535) is a permanent failure with the server’s words', async () => {
    const smtp = await startSmtp('hub@dongcam', 's3cret-pass');
    cleanups.push(smtp.close);
    const { t, n } = await withChannel(mailChannel(smtp.port, 'wrong'));
    fire(t);
    await waitFor(() => n.stats().failed === 1, 10_000, 'permanent failure');
    expect(n.list()[0]?.lastError).toBe('SMTP: 535 Error: Authentication credentials invalid');
    expect(smtp.mails).toHaveLength(0);
  });

  it('a mail server that is down is retried until it answers', async () => {
    const probe = await startSmtp('x', 'y');
    await probe.close(); // a port that refuses connections now
    const { t, n } = await withChannel(mailChannel(probe.port));
    fire(t);
    await waitFor(() => n.list()[0]?.lastError === 'SMTP: connection refused', 10_000, 'refused');
    const smtp = await startSmtp('hub@dongcam', 's3cret-pass', probe.port);
    cleanups.push(smtp.close);
    await waitFor(() => smtp.mails.length === 1, 10_000, 'mail after the server came back');
    await waitFor(() => n.stats().delivered === 1);
    expect(smtp.mails).toHaveLength(1);
  });
});
