import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicAcl, type Subject } from '../../hub/broker/acl.js';
import { Topics } from '../../hub/broker/topics.js';

/** What a client may publish: the hub's own `$hub` level is refused to everyone, at any depth below it. */
describe('publish ACL', () => {
  const acl = new TopicAcl(new Topics('langso'), (v, d) => v === 'dong-cam' && d === 'cam-1');
  const anonymous: Subject = { role: 'anonymous', username: null };
  const device = { role: 'device', username: 'dong-cam/cam-1', village: 'dong-cam', device: 'cam-1' } as Subject;
  const internal = { role: 'internal', username: 'poller' } as Subject;

  it('refuses the hub\'s own topics to every publisher, and only those', () => {
    const level = fc.oneof(fc.constantFrom('$hub', 'langso', 'dong-cam', 'cam-1', '', '$hubx', 'x$hub', 'status'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 6 }), (levels) => {
        const topic = levels.join('/');
        if (topic.startsWith('$')) return;
        // The contract's definition: the prefix first, `$hub` third — of the topic's own levels (a
        // generated level may itself hold a "/").
        const parts = topic.split('/');
        const hubOwn = parts[0] === 'langso' && parts[2] === '$hub';
        const d = acl.publish(anonymous, topic);
        expect(d.ok).toBe(!hubOwn);
        if (!d.ok) expect(d.reason).toMatch(/\$hub/);
      }),
      { numRuns: 3_000 },
    );
    for (const who of [anonymous, device, internal]) {
      expect(acl.publish(who, 'langso/dong-cam/$hub/status').ok).toBe(false);
      expect(acl.publish(who, 'langso/dong-cam/$hub').ok).toBe(false);
      expect(acl.publish(who, 'langso/dong-cam/$hub/devices/cam-1').ok).toBe(false);
    }
  });

  it('lets a device publish under its own topics only, and the hub\'s clients for configured devices', () => {
    expect(acl.publish(device, 'langso/dong-cam/cam-1/telemetry').ok).toBe(true);
    expect(acl.publish(device, 'langso/dong-cam/cam-2/telemetry').ok).toBe(false);
    expect(acl.publish(internal, 'langso/dong-cam/cam-1/status').ok).toBe(true);
    expect(acl.publish(internal, 'langso/dong-cam/cam-2/status').ok).toBe(false);
    expect(acl.publish(internal, 'other/dong-cam/cam-1/status').ok).toBe(false);
    expect(acl.publish(anonymous, '$SYS/x').ok).toBe(false);
  });
});
