import type { shell as vi } from '../vi/shell';

/**
 * English for the frame around every page: header, navigation, banners (live link, storage, internet,
 * uplink), states, times and durations. Typed against the Vietnamese keys: a missing or extra key is a
 * compile error.
 */
export const shell: Record<keyof typeof vi, string> = {
  'app.name': 'Làng Số',
  'app.tagline': 'Village device monitor',
  'app.loading': 'Loading devices…',
  'app.lang': 'Language',
  'app.langSwitch': 'Tiếng Việt',
  'app.retry': 'Retry',

  'summary.total': '{n} devices',
  'summary.label': 'Status summary',

  'state.online': 'Online',
  'state.offline': 'Offline',
  'state.unreachable': 'Unreachable',
  'state.maintenance': 'Maintenance',
  'state.unknown': 'Unknown',
  'state.stale': 'Not updated',
  'summary.staleAt': 'At {time}:',

  'reason.lwt': 'the device dropped its connection suddenly (power or network loss)',
  'reason.timeout': 'no signal from the device',
  'reason.heartbeat': 'no message for too long',
  'reason.parent': 'the device it depends on is offline',
  'reason.technical': 'Technical details',

  'time.justNow': 'just now',
  'time.secondsAgo': '{n} s ago',
  'time.minutesAgo': '{n} min ago',
  'time.hoursAgo': '{n} h ago',
  'time.daysAgo': '{n} d ago',

  'live.lost': 'Live connection to the hub lost — retrying…',
  'live.restored': 'Reconnected',
  'storage.backlog':
    'The data store is not taking readings: {points} readings ({size}) are waiting on the village hub’s disk, the oldest for {age}. They will be written as soon as the store works again; nothing is lost.',
  'storage.dropped':
    'The waiting space on disk is full, so the {n} oldest readings had to be dropped. Tell the commune’s IT staff.',
  'storage.diskError':
    'The village hub’s disk cannot be written (it may be full). Tell the commune’s IT staff to free some space.',
  'security.anonymousMqtt': 'Warning: devices may send data without a password, so a stranger on the same Wi-Fi could send false readings. Tell the commune’s IT staff.',
  'live.lostSince': 'Live connection to the hub lost since {time} — the figures shown are old. Retrying…',

  'error.load': 'Could not load the device list: {message}',
  'error.series': 'Could not load data: {message}',
  'error.network': 'the hub cannot be reached',
  'error.http': 'server error (code {status})',
  'nav.label': 'Pages',
  'nav.overview': 'Overview',
  'nav.alerts': 'Alerts',
  'nav.maintenance': 'Maintenance',
  'nav.alertsCount': '{n} open alerts',
  'nav.alertsFiring': '{n} not acknowledged',

  'internet.label': 'Internet',
  'internet.up': 'working',
  'internet.down': 'down since {time}',
  'internet.unknown': 'checking',
  'internet.notProbed': 'not monitored',
  'internet.rtt': 'latency {ms} ms',
  'uplink.label': 'Sending to the commune',
  'uplink.connected': 'connected',
  'uplink.partial': 'only some villages connected',
  'uplink.disconnected': 'down since {time}',
  'uplink.backlog': '{n} messages waiting ({size}), the oldest for {age}',
  'uplink.dropped': '{n} old readings dropped: the queue was full',
  'internet.banner': 'The village’s Internet link is down — alerts will be sent when it is back',

  'duration.dh': '{d} d {h} h',
  'duration.d': '{d} d',
  'duration.hm': '{h} h {m} min',
  'duration.h': '{h} h',
  'duration.m': '{m} min',
  'duration.s': '{s} s',
  'reason.maintenance': 'under maintenance',
  'nav.audit': 'Audit log',
  'nav.reports': 'Reports',
};
