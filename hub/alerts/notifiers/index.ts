import type { ChannelConfig } from '../../config/alerts.js';
import { EmailNotifier } from './email.js';
import { TelegramNotifier } from './telegram.js';
import type { ChannelType, Notifier } from './types.js';
import { WebhookNotifier } from './webhook.js';

type Factories = { [K in ChannelType]: (config: Extract<ChannelConfig, { type: K }>) => Notifier };

/** The static registry of notification channels (DESIGN.md §2: one file and one line per channel). */
export const notifiers: Factories = {
  webhook: (c) => new WebhookNotifier(c),
  telegram: (c) => new TelegramNotifier(c),
  email: (c) => new EmailNotifier(c),
};

export function createNotifier(config: ChannelConfig): Notifier {
  return (notifiers[config.type] as (c: ChannelConfig) => Notifier)(config);
}
