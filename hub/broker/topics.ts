import { SLUG_PATTERN } from '../../shared/ids.js';
/**
 * The MQTT topic contract (DESIGN.md §3). This is the only module that builds or parses topic strings.
 *
 *   <prefix>/<village>/<device>/status      retained, {"state":"online"|"offline",...} or plain online/offline
 *   <prefix>/<village>/<device>/telemetry   {"ts"?:ms, "<metric>": number|boolean, ...}
 *   <prefix>/<village>/<device>/event       {"type":string, ...}
 *   <prefix>/<village>/$hub/status          the hub's own availability (its LWT)
 *   <prefix>/<village>/$hub/devices/<device> retained, the hub's view of a device (Home Assistant export, uplink)
 *   <prefix>/<village>/$hub/alerts          alert changes (uplink only, upstream; docs/uplink.md)
 *   <prefix>/<village>/$hub/inventory       retained, the village and its devices (uplink only, upstream)
 *   <discovery>/<component>/<id>/config      retained, Home Assistant MQTT discovery (outside the prefix)
 */
export const channels = ['status', 'telemetry', 'event'] as const;
export type Channel = (typeof channels)[number];

export const HUB_DEVICE = '$hub';

/** Home Assistant entity platforms the hub announces. */
export type DiscoveryComponent = 'sensor' | 'binary_sensor';

export type ParsedTopic =
  | { ok: true; village: string; device: string; channel: Channel }
  | { ok: false; reason: string };

/** Topics whose parse is remembered: a village's devices use a few topics each, again and again. */
const PARSED_KEPT = 4096;

export class Topics {
  private readonly parsed = new Map<string, Readonly<ParsedTopic>>();

  constructor(readonly prefix: string) {}

  status(village: string, device: string): string {
    return `${this.prefix}/${village}/${device}/status`;
  }
  telemetry(village: string, device: string): string {
    return `${this.prefix}/${village}/${device}/telemetry`;
  }
  event(village: string, device: string): string {
    return `${this.prefix}/${village}/${device}/event`;
  }
  hubStatus(village: string): string {
    return `${this.prefix}/${village}/${HUB_DEVICE}/status`;
  }
  /**
   * The hub's own view of a device (state, since, reason), retained: unlike the device's `status`, it
   * says offline after a heartbeat timeout and unreachable behind an offline parent. Under `$hub`, so
   * only the hub publishes it (hub/broker/acl.ts). A level of its own keeps it apart from `$hub/status`.
   */
  deviceState(village: string, device: string): string {
    return `${this.prefix}/${village}/${HUB_DEVICE}/devices/${device}`;
  }
  /** Alert changes of a village, sent upstream by the uplink. */
  hubAlerts(village: string): string {
    return `${this.prefix}/${village}/${HUB_DEVICE}/alerts`;
  }
  /** The village and its configured devices, retained upstream by the uplink. */
  hubInventory(village: string): string {
    return `${this.prefix}/${village}/${HUB_DEVICE}/inventory`;
  }
  /** Filter matching everything devices publish. */
  all(): string {
    return `${this.prefix}/#`;
  }

  /** True when the topic is inside our prefix at all (others, e.g. $SYS or homeassistant/, are not ours to judge). */
  owns(topic: string): boolean {
    return topic.startsWith(`${this.prefix}/`);
  }

  /** What a topic is (the same object for the same topic while it is remembered: read it, do not change it). */
  parse(topic: string): Readonly<ParsedTopic> {
    let p = this.parsed.get(topic);
    if (p) return p;
    p = this.parseNew(topic);
    // Made-up topics must not grow this without end: past the bound it starts again.
    if (this.parsed.size >= PARSED_KEPT) this.parsed.clear();
    this.parsed.set(topic, p);
    return p;
  }

  private parseNew(topic: string): ParsedTopic {
    const parts = topic.split('/');
    if (parts[0] !== this.prefix) return { ok: false, reason: `topic does not start with "${this.prefix}/"` };
    // Every `$hub/…` topic is the hub's own (its status, its view of each device): not device traffic.
    if (parts[2] === HUB_DEVICE) return { ok: false, reason: 'hub status topic' };
    if (parts.length !== 4) {
      return { ok: false, reason: `expected ${this.prefix}/<village>/<device>/<status|telemetry|event>, got ${parts.length} levels` };
    }
    const [, village, device, channel] = parts as [string, string, string, string];
    if (!SLUG_PATTERN.test(village)) return { ok: false, reason: `village "${village}" is not a lowercase slug [a-z0-9-]{1,64}` };
    if (!SLUG_PATTERN.test(device)) return { ok: false, reason: `device "${device}" is not a lowercase slug [a-z0-9-]{1,64}` };
    if (!(channels as readonly string[]).includes(channel)) {
      return { ok: false, reason: `unknown channel "${channel}": expected status, telemetry or event` };
    }
    return { ok: true, village, device, channel: channel as Channel };
  }
}

/** Home Assistant's discovery topic of one entity: `<discovery prefix>/<component>/<object id>/config`. */
export function discoveryTopic(discoveryPrefix: string, component: DiscoveryComponent, objectId: string): string {
  return `${discoveryPrefix}/${component}/${objectId}/config`;
}

/**
 * Does an MQTT subscription filter match a topic? `+` is one level, `#` the rest (and the parent level);
 * a wildcard in the first level never matches a `$` topic (MQTT-4.7.2-1).
 */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
