import type { MqttIdentity } from './accounts.js';
import { HUB_DEVICE, type Topics } from './topics.js';

/** Who a connected client is, for the ACL: an account, or anonymous when `broker.allowAnonymous` is on. */
export type Subject = MqttIdentity | { role: 'anonymous'; username: null };

export type Decision = { ok: true } | { ok: false; reason: string };

const allow: Decision = { ok: true };
const deny = (reason: string): Decision => ({ ok: false, reason });

/** True when an MQTT filter could match a topic of another device than `own` (wildcards included). */
function isWildcard(filter: string): boolean {
  return filter.includes('#') || filter.includes('+');
}

/**
 * Topic access (modelled on Mosquitto's ACL files): a device publishes only under its own
 * `<prefix>/<village>/<device>/…` and subscribes only to its own `…/cmd/#` and its own `…/status` (an
 * agent reads back its retained status to notice its Last Will: the OpenWrt agent); readers read everything
 * and publish nothing; the hub's own clients publish device topics; `$hub/…` is the hub's alone
 * (it publishes it from inside the broker, which no ACL sees). `$SYS` is for readers only.
 */
export class TopicAcl {
  constructor(
    private readonly topics: Topics,
    /** Is this a configured device? The hub's pollers and simulators publish for configured devices only. */
    private readonly isConfigured: (village: string, device: string) => boolean,
  ) {}

  publish(who: Subject, topic: string): Decision {
    if (topic.startsWith('$')) return deny(`publishing to "${topic.split('/')[0]}" topics is not allowed`);
    if (this.isHubOwn(topic)) return deny('the hub\'s own "$hub" topics are published by the hub only');
    switch (who.role) {
      case 'reader':
        return deny('a reader account may not publish');
      case 'device': {
        const own = `${this.topics.prefix}/${who.village}/${who.device}/`;
        return topic.startsWith(own) ? allow : deny(`device ${who.username} may publish only under ${own}…`);
      }
      case 'internal': {
        const levels = topic.split('/');
        if (levels[0] !== this.topics.prefix || levels.length < 3) return deny(`the hub's clients publish only under ${this.topics.prefix}/`);
        return this.isConfigured(levels[1] ?? '', levels[2] ?? '') ? allow : deny(`no configured device ${levels[1]}/${levels[2]}`);
      }
      case 'anonymous':
        return allow;
    }
  }

  /** `<prefix>/<village>/$hub/…`: read in place (this runs for every message; a split would copy the topic). */
  private isHubOwn(topic: string): boolean {
    const prefix = this.topics.prefix;
    if (!topic.startsWith(prefix) || topic.charCodeAt(prefix.length) !== 0x2f) return false;
    const second = topic.indexOf('/', prefix.length + 1);
    if (second < 0) return false;
    const end = topic.indexOf('/', second + 1);
    return topic.startsWith(HUB_DEVICE, second + 1) && (end < 0 ? topic.length : end) === second + 1 + HUB_DEVICE.length;
  }

  subscribe(who: Subject, filter: string): Decision {
    const sys = filter.startsWith('$SYS') || filter === '#' || filter.startsWith('#');
    switch (who.role) {
      case 'reader':
        return allow;
      case 'internal':
        return filter.startsWith('$SYS') ? deny('$SYS is for reader accounts') : allow;
      case 'device': {
        const own = `${this.topics.prefix}/${who.village}/${who.device}/cmd`;
        if (filter === own || filter.startsWith(`${own}/`)) return allow;
        if (filter === this.topics.status(who.village ?? '', who.device ?? '')) return allow;
        if (sys) return deny(`device ${who.username} may not subscribe to ${filter}`);
        return deny(`device ${who.username} may subscribe only to ${own}/# and its own status${isWildcard(filter) ? ' (no wildcards elsewhere)' : ''}`);
      }
      case 'anonymous':
        return filter.startsWith('$SYS') ? deny('$SYS is for reader accounts') : allow;
    }
  }
}
