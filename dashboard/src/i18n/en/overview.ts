import type { overview as vi } from '../vi/overview';

/**
 * English for the overview: device tiles, places, search and filters. Typed against the Vietnamese keys: a
 * missing or extra key is a compile error.
 */
export const overview: Record<keyof typeof vi, string> = {
  'device.lastSeen': 'Last seen: {when}',
  'device.neverSeen': 'Never seen',
  'device.reason': 'Reason: {reason}',
  'device.noData': 'No data yet',
  'device.open': 'Open details for {name}',
  'device.unregistered': 'Not registered',
  'device.unregisteredHint': 'These devices sent data but are not in the configuration.',
  'device.none': 'No devices yet.',
  'place.unknownProvince': 'Province not given',
  'place.unknownCommune': 'Commune not given',
  'device.villageCount': '{online}/{total} online',
  'device.stale': 'Old data from {time}, not updated since',
  'device.downSince': '{state} since {time} · {duration}',
  'device.location': 'Location: {place}',
  'device.unregisteredTag': 'Not registered',
  'device.dismiss': 'Hide from the list',
  'device.dismissConfirm': 'Hide this device? It comes back if it sends data again.',
  'device.dismissLabel': 'Hide the unregistered device {id}',
  'device.dismissFailed': 'Could not hide it: {message}',

  'filter.label': 'Find and filter devices',
  'filter.search': 'Find a device',
  'filter.searchPlaceholder': 'Name, id or location',
  'filter.problems': 'Only devices with a problem ({n})',
  'filter.noProblems': 'No device has a problem now.',
  'filter.noMatch': 'No device matches.',

  'device.unreachableBy': 'Unreachable — because {parent} is offline',
  'device.maintenanceNote': 'Maintenance: {note}',
  'device.viewAlert': 'View alert',
};
