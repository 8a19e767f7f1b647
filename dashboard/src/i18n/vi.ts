import { access } from './vi/access';
import { alerts } from './vi/alerts';
import { api } from './vi/api';
import { device } from './vi/device';
import { maintenance } from './vi/maintenance';
import { overview } from './vi/overview';
import { reports } from './vi/reports';
import { shell } from './vi/shell';

/**
 * Vietnamese, the default language, assembled from one dictionary per page area (vi/). Every key here
 * must also exist in en.ts (checked by the type).
 */
export const vi = {
  ...shell, ...api, ...overview, ...device,
  ...alerts, ...maintenance, ...access, ...reports,
} satisfies Record<string, string>;

export type MessageKey = keyof typeof vi;
