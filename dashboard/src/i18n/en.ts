import { access } from './en/access';
import { alerts } from './en/alerts';
import { api } from './en/api';
import { device } from './en/device';
import { maintenance } from './en/maintenance';
import { overview } from './en/overview';
import { reports } from './en/reports';
import { shell } from './en/shell';
import type { MessageKey } from './vi';

/**
 * English, assembled from one dictionary per page area (en/). Typed against the Vietnamese keys: a
 * missing or extra key is a compile error (here, and in each area against its Vietnamese area).
 */
export const en: Record<MessageKey, string> = {
  ...shell, ...api, ...overview, ...device,
  ...alerts, ...maintenance, ...access, ...reports,
};
