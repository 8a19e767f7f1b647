import type { device as vi } from '../vi/device';

/**
 * English for one device's page: charts, events, camera snapshot. Typed against the Vietnamese keys: a
 * missing or extra key is a compile error.
 */
export const device: Record<keyof typeof vi, string> = {
  'detail.back': '← All devices',
  'detail.notFound': 'Device {id} not found.',
  'detail.metric': 'Metric',
  'detail.range': 'Range',
  'detail.range.1h': '1 hour',
  'detail.range.24h': '24 hours',
  'detail.range.7d': '7 days',
  'detail.chartLabel': 'Chart of {metric} over {range}',
  'detail.mean': 'Mean',
  'detail.band': 'Min – max',
  'detail.shadeLegend': 'Shaded on the chart',
  'detail.latest': 'Latest values',
  'detail.latestAt': 'Updated: {when}',
  'detail.field': 'Metric',
  'detail.value': 'Value',
  'detail.noSeries': 'No data in this range.',
  'detail.loading': 'Loading…',
  'detail.since': 'In this state since: {when}',
  'detail.kind': 'Kind',
  'detail.village': 'Village',
  'detail.parent': 'Depends on',
  'detail.location': 'Location',
  'detail.yes': 'Yes',
  'detail.no': 'No',

  'events.title': 'Device events',
  'events.none': 'No events in the last 30 days.',
  'events.error': 'Could not load the events: {message}',
  'events.list': 'Events, newest first',

  'snapshot.title': 'Latest snapshot',
  'snapshot.alt': 'Latest snapshot from {name}',
  'snapshot.taken': 'Taken at {time} ({ago})',
  'snapshot.none': 'No snapshot from this camera yet.',
  'snapshot.error': 'Could not load the image: {message}',
  'snapshot.refresh': 'Reload image',
  'snapshot.auto': 'Refreshes every 30 seconds.',
};
