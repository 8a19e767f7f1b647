import { SLUG_PATTERN } from '../../shared/ids.js';
/**
 * The MQTT topic contract (DESIGN.md §3). This is the only module that builds or parses topic strings.
 *
 *   <prefix>/<village>/<device>/status      retained, {"state":"online"|"offline",...} or plain online/offline
 *   <prefix>/<village>/<device>/telemetry   {"ts"?:ms, "<metric>": number|boolean, ...}
 *   <prefix>/<village>/<device>/event       {"type":string, ...}
 *   <prefix>/<village>/$hub/status          the hub's own availability (its LWT)
 */
export const channels = ['status', 'telemetry', 'event'] as const;
export type Channel = (typeof channels)[number];

export const HUB_DEVICE = '$hub';

export type ParsedTopic =
  | { ok: true; village: string; device: string; channel: Channel }
  | { ok: false; reason: string };

export class Topics {
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
  /** Filter matching everything devices publish. */
  all(): string {
    return `${this.prefix}/#`;
  }

  /** True when the topic is inside our prefix at all (others, e.g. $SYS or homeassistant/, are not ours to judge). */
  owns(topic: string): boolean {
    return topic.startsWith(`${this.prefix}/`);
  }

  parse(topic: string): ParsedTopic {
    const parts = topic.split('/');
    if (parts[0] !== this.prefix) return { ok: false, reason: `topic does not start with "${this.prefix}/"` };
    if (parts.length !== 4) {
      return { ok: false, reason: `expected ${this.prefix}/<village>/<device>/<status|telemetry|event>, got ${parts.length} levels` };
    }
    const [, village, device, channel] = parts as [string, string, string, string];
    if (device === HUB_DEVICE) return { ok: false, reason: 'hub status topic' };
    if (!SLUG_PATTERN.test(village)) return { ok: false, reason: `village "${village}" is not a lowercase slug [a-z0-9-]{1,64}` };
    if (!SLUG_PATTERN.test(device)) return { ok: false, reason: `device "${device}" is not a lowercase slug [a-z0-9-]{1,64}` };
    if (!(channels as readonly string[]).includes(channel)) {
      return { ok: false, reason: `unknown channel "${channel}": expected status, telemetry or event` };
    }
    return { ok: true, village, device, channel: channel as Channel };
  }
}
