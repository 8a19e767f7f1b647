import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../hub/config/load.js';
import { UpstreamTopics } from '../../hub/central/contract.js';
import { OwnerElection } from '../../hub/central/election.js';
import { configProblems } from '../helpers/config.js';

const problems = (text: string): string[] => configProblems(text, 'central.yaml');

describe('central config', () => {
  it('defaults to a village hub; central mode reads its upstream block with defaults', () => {
    expect(parseConfig('villages: []', 'x.yaml', {}).mode).toBe('village');
    const c = parseConfig('mode: central\ncentral: { url: "mqtt://broker.tinh:1883", instanceId: c-1 }', 'x.yaml', {});
    expect(c.central).toMatchObject({ url: 'mqtt://broker.tinh:1883', instanceId: 'c-1', topicPrefix: 'langso', group: 'langso-central', lateAfterS: 60, adoptPeers: true });
  });

  it('refuses central mode without its block, and a bad URL or group, naming the field', () => {
    expect(problems('mode: central').join('\n')).toMatch(/central.*needs a central: block/);
    expect(problems('mode: central\ncentral: { url: "http://x", instanceId: a }').join('\n')).toMatch(/central\.url.*mqtt:\/\//);
    expect(problems('mode: central\ncentral: { url: "mqtt://x", instanceId: a, group: "a/b" }').join('\n')).toMatch(/central\.group/);
  });
});

describe('upstream topics', () => {
  const t = new UpstreamTopics('langso');
  it('subscribes bulk traffic shared and the $hub topics plainly', () => {
    expect(t.shared('g')).toEqual(['$share/g/langso/+/+/telemetry', '$share/g/langso/+/+/event']);
    expect(t.hubs()).toBe('langso/+/$hub/#');
  });
  it('parses every topic of the contract and nothing else', () => {
    expect(t.parse('langso/dong-cam/cam-1/telemetry')).toEqual({ kind: 'telemetry', village: 'dong-cam', device: 'cam-1' });
    expect(t.parse('langso/dong-cam/$hub/devices/cam-1')).toEqual({ kind: 'device-state', village: 'dong-cam', device: 'cam-1' });
    expect(t.parse('langso/dong-cam/$hub/status')).toEqual({ kind: 'hub-status', village: 'dong-cam' });
    expect(t.parse('langso/dong-cam/$hub/inventory')).toEqual({ kind: 'inventory', village: 'dong-cam' });
    expect(t.parse('langso/$central/instances/b')).toEqual({ kind: 'instance', id: 'b' });
    expect(t.parse('langso/Dong/cam/telemetry')).toBeNull();
    expect(t.parse('langso/dong-cam/$hub/devices/a/b')).toBeNull();
    expect(t.parse('other/dong-cam/cam-1/telemetry')).toBeNull();
  });
});

describe('alert-owner election', () => {
  it('the smallest live id owns; an empty presence (Last Will) hands over; nobody owns while disconnected', () => {
    const changes: boolean[] = [];
    const e = new OwnerElection('b', (o) => changes.push(o));
    e.setConnected(true);
    expect(e.isOwner()).toBe(true);
    e.onPresence('a', Buffer.from('{"id":"a"}'));
    expect(e.isOwner()).toBe(false);
    e.onPresence('c', Buffer.from('{"id":"c"}'));
    expect(e.liveIds()).toEqual(['a', 'b', 'c']);
    e.onPresence('a', Buffer.alloc(0));
    expect(e.isOwner()).toBe(true);
    e.setConnected(false);
    expect(e.isOwner()).toBe(false);
    expect(changes).toEqual([true, false, true, false]);
  });
});

describe('upstream payloads as the uplink bridge sends them', () => {
  it('accepts an inventory with null commune/province and an alert whose detail carries reason parameters', async () => {
    const { inventorySchema, forwardedAlertSchema } = await import('../../hub/central/contract.js');
    const inv = inventorySchema.safeParse({
      village: { id: 'lang-moi', name: 'Làng Mới', commune: null, province: null, timezone: 'Asia/Ho_Chi_Minh' },
      devices: [{ id: 'cam-1', name: 'Camera', kind: 'onvif-camera' }],
      ts: Date.now(),
    });
    expect(inv.success).toBe(true);
    const alert = forwardedAlertSchema.safeParse({
      change: 'fired',
      ts: Date.now(),
      alert: { id: 3, key: 'offline:lang-moi/cam-1', village: 'lang-moi', device: 'cam-1', condition: 'offline', severity: 'critical', startedAt: Date.now(), ackedBy: null, ackNote: null, resolvedAt: null, detail: { reasonCode: 'tcp-refused', reasonParams: { port: 554 } } },
    });
    expect(alert.success).toBe(true);
  });
});
