import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../hub/config/load.js';
import { MASK, redactUrls, Redactor, secretsOf } from '../../hub/core/redact.js';

describe('redaction', () => {
  it('masks the userinfo of every URL in a text, whatever the scheme', () => {
    expect(redactUrls('InfluxDB at http://langso:pa55w0rd@127.0.0.1:8086 failed')).toBe('InfluxDB at http://***@127.0.0.1:8086 failed');
    expect(redactUrls('rtsp://admin:x@10.0.0.5:554/s1 and https://tok@hooks.example/a')).toBe('rtsp://***@10.0.0.5:554/s1 and https://***@hooks.example/a');
    expect(redactUrls('mail hub@example.vn, see http://example.vn/a@b')).toBe('mail hub@example.vn, see http://example.vn/a@b');
  });

  it('finds every credential of a configuration: secret-named settings and passwords inside URLs', () => {
    const config = parseConfig(
      `
villages: [{ id: dong-cam, name: Đông Căm }]
store: { kind: influx, url: "http://langso:influx-pw@127.0.0.1:8086/langso", password: other-influx-pw }
internet: { targets: [{ type: http, url: "http://net:net%2Fpw@127.0.0.1:9/" }] }
devices:
  - { id: cam, village: dong-cam, name: Cam, kind: onvif-camera, poll: { xaddr: "http://admin:cam-pw@127.0.0.1:81/onvif/device_service", username: admin, password: cam-pw-2 } }
  - { id: ap, village: dong-cam, name: AP, kind: wifi-ap, poll: { host: 127.0.0.1, community: secret-community, clientsPreset: openwrt, ifName: wlan0 } }
  - { id: ap2, village: dong-cam, name: AP2, kind: wifi-ap, poll: { host: 127.0.0.2, community: public, clientsPreset: openwrt, ifName: wlan0 } }
notify:
  channels:
    - { id: hook, type: webhook, url: "http://127.0.0.1:9/h", secret: webhook-secret }
    - { id: tg, type: telegram, token: "123456:tg-token", chatId: 1 }
    - { id: mail, type: email, smtp: { host: 127.0.0.1, user: hub, pass: smtp-pw }, from: a@b.vn, to: [c@d.vn] }
`,
      'test',
    );
    const found = secretsOf(config);
    for (const s of ['influx-pw', 'other-influx-pw', 'net%2Fpw', 'net/pw', 'cam-pw', 'cam-pw-2', 'secret-community', 'webhook-secret', '123456:tg-token', 'smtp-pw']) {
      expect(found, s).toContain(s);
    }
    // A factory SNMP community is no secret, and masking the word would mangle every line with it.
    expect(found).not.toContain('public');
    expect(found).not.toContain('hub');
  });

  it('masks secrets as written, JSON-escaped and URL-encoded, longest first', () => {
    const r = new Redactor(['pw', 'se"cret', 'tok/en', 'tok/en-longer']);
    expect(r.text('a se"cret b')).toBe(`a ${MASK} b`);
    expect(r.text(JSON.stringify({ err: 'a se"cret b' }))).toBe(`{"err":"a ${MASK} b"}`);
    expect(r.text('/bottok%2Fen/send')).toBe(`/bot${MASK}/send`);
    expect(r.text('tok/en-longer')).toBe(MASK);
    expect(r.value({ a: ['x se"cret'], n: 1 })).toEqual({ a: [`x ${MASK}`], n: 1 });
  });

  it('without secrets still masks URL credentials', () => {
    expect(new Redactor([]).text('GET http://u:p@h/')).toBe(`GET http://${MASK}@h/`);
  });
});
