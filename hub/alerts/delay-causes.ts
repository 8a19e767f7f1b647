import type { DelayCause } from '../../shared/alert-text.js';
import type { DeviceStateRepo } from '../state/device-states.js';
import type { StateDb } from '../state/db.js';
import type { ChannelType } from './notifiers/types.js';

/** How the channel is named to the people reading the message. */
const channelWords: Record<ChannelType, string> = { webhook: 'webhook', telegram: 'Telegram', email: 'e-mail' };

/**
 * Why a message waited from `from` (queued) to `to` (delivered), from what the hub recorded meanwhile:
 * the hub not running (its heartbeat gaps), the Internet link down (an internet-down alert overlapping the
 * wait), and otherwise the receiver's last refusal (`lastError`, as the channel's NotifyError put it:
 * "webhook: 503 …", "SMTP: 451 …", or a connection failure). Only what was seen is named: a late message
 * never blames the Internet unless an outage of the link was recorded during its wait.
 */
export function delayCauses(
  db: StateDb,
  repo: DeviceStateRepo,
  wait: { from: number; to: number },
  channel: ChannelType,
  lastError: string | null,
): DelayCause[] {
  const causes: DelayCause[] = repo.awayBetween(wait.from, wait.to).map((a) => ({ kind: 'hub', from: a.from, to: a.to }));
  const link = db
    .prepare("SELECT COUNT(*) AS n FROM alerts WHERE condition = 'internet-down' AND started_at < ? AND (resolved_at IS NULL OR resolved_at > ?)")
    .get(wait.to, wait.from) as { n: number };
  // A receiver that could not be reached while the link was down was unreachable because of the link.
  if (link.n > 0) causes.push({ kind: 'internet' });
  else if (lastError) {
    const status = /^[^:]+: (\d{3})\b/.exec(lastError)?.[1];
    causes.push({ kind: 'receiver', channel: channelWords[channel], ...(status ? { status: Number(status) } : {}) });
  }
  return causes;
}
