import { describe, expect, it } from 'vitest';
import { Topics } from '../../hub/broker/topics.js';

describe('topic contract', () => {
  const t = new Topics('langso');

  it('builds the contract topics', () => {
    expect(t.status('dong-cam', 'cam-1')).toBe('langso/dong-cam/cam-1/status');
    expect(t.telemetry('dong-cam', 'cam-1')).toBe('langso/dong-cam/cam-1/telemetry');
    expect(t.event('dong-cam', 'cam-1')).toBe('langso/dong-cam/cam-1/event');
    expect(t.hubStatus('dong-cam')).toBe('langso/dong-cam/$hub/status');
    expect(t.all()).toBe('langso/#');
  });

  it('parses what it builds', () => {
    for (const topic of [t.status('a', 'b'), t.telemetry('a', 'b'), t.event('a', 'b')]) {
      const p = t.parse(topic);
      expect(p).toMatchObject({ ok: true, village: 'a', device: 'b' });
    }
  });

  it.each([
    ['langso/dong-cam/cam-1', /got 3 levels/],
    ['langso/dong-cam/cam-1/status/extra', /got 5 levels/],
    ['langso/Dong-Cam/cam-1/status', /village "Dong-Cam" is not a lowercase slug/],
    ['langso/dong-cam/cam_1/status', /device "cam_1" is not a lowercase slug/],
    ['langso/dong-cam/cam-1/metrics', /unknown channel "metrics"/],
    ['other/dong-cam/cam-1/status', /does not start with "langso\/"/],
  ])('refuses %s with a reason', (topic, reason) => {
    const p = t.parse(topic);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toMatch(reason);
  });

  it('uses the configured prefix', () => {
    const c = new Topics('gia-phu');
    expect(c.status('v', 'd')).toBe('gia-phu/v/d/status');
    expect(c.owns('langso/v/d/status')).toBe(false);
    expect(c.owns('gia-phu/v/d/status')).toBe(true);
  });
});
