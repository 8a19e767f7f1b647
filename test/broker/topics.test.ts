import { describe, expect, it } from 'vitest';
import { discoveryTopic, filterMatches, Topics } from '../../hub/broker/topics.js';

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

  it('remembers what a topic is (one parse per topic, not per message), within a bound, with the same answers', () => {
    const own = new Topics('langso');
    const first = own.parse('langso/dong-cam/cam-1/telemetry');
    expect(own.parse('langso/dong-cam/cam-1/telemetry')).toBe(first);
    const bad = own.parse('langso/dong-cam/cam_1/telemetry');
    expect(own.parse('langso/dong-cam/cam_1/telemetry')).toBe(bad);
    // A flood of made-up topics: the memory starts again, and every answer stays what it was.
    for (let i = 0; i < 10_000; i++) expect(own.parse(`langso/v-${i}/d/status`)).toMatchObject({ ok: true, village: `v-${i}`, device: 'd', channel: 'status' });
    expect(own.parse('langso/dong-cam/cam-1/telemetry')).toEqual({ ok: true, village: 'dong-cam', device: 'cam-1', channel: 'telemetry' });
    expect(own.parse('langso/dong-cam/cam_1/telemetry')).toEqual(bad);
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

  it("builds the hub's own topics, and tells them from device traffic at any depth", () => {
    expect(t.deviceState('dong-cam', 'cam-1')).toBe('langso/dong-cam/$hub/devices/cam-1');
    // A device called "status" does not collide with the hub's status.
    expect(t.deviceState('dong-cam', 'status')).not.toBe(t.hubStatus('dong-cam'));
    for (const topic of [t.hubStatus('dong-cam'), t.deviceState('dong-cam', 'cam-1')]) {
      expect(t.parse(topic)).toEqual({ ok: false, reason: 'hub status topic' });
    }
  });

  it('builds Home Assistant discovery topics', () => {
    expect(discoveryTopic('homeassistant', 'binary_sensor', 'langso_dong-cam_cam-1_connectivity')).toBe('homeassistant/binary_sensor/langso_dong-cam_cam-1_connectivity/config');
  });

  it.each([
    ['homeassistant/#', 'homeassistant/sensor/x/config', true],
    ['homeassistant/#', 'homeassistant', true],
    ['homeassistant/+/+/config', 'homeassistant/sensor/x/config', true],
    ['homeassistant/+/config', 'homeassistant/sensor/x/config', false],
    ['#', 'homeassistant/sensor/x/config', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/sensor/x/config', 'homeassistant/sensor/x/config', true],
    ['homeassistant/sensor', 'homeassistant/sensor/x/config', false],
    ['langso/#', 'homeassistant/sensor/x/config', false],
  ])('filter %s matches %s: %s', (filter, topic, want) => {
    expect(filterMatches(filter, topic)).toBe(want);
  });

  it('uses the configured prefix', () => {
    const c = new Topics('gia-phu');
    expect(c.status('v', 'd')).toBe('gia-phu/v/d/status');
    expect(c.owns('langso/v/d/status')).toBe(false);
    expect(c.owns('gia-phu/v/d/status')).toBe(true);
  });
});
