import { describe, expect, it } from 'vitest';
import { eventMessageText, eventTypeText } from '../../shared/event-types.js';

describe('device events in words', () => {
  it('says known event types in Vietnamese and English, others as sent', () => {
    expect(eventTypeText('info', 'vi')).toBe('thông tin thiết bị thay đổi');
    expect(eventTypeText('boot', 'en')).toBe('the device restarted');
    expect(eventTypeText('quat-hong', 'vi')).toBe('quat-hong');
  });

  it("shows a poller's facts as named values, not JSON; any other message as sent", () => {
    const camera = JSON.stringify({ manufacturer: 'Hikvision', model: 'DS-2CD1023', firmware: 'V5.5.0' });
    expect(eventMessageText(camera, 'vi')).toBe('Hãng: Hikvision · Mẫu: DS-2CD1023 · Phần mềm (firmware): V5.5.0');
    expect(eventMessageText(JSON.stringify({ sysDescr: 'Linux OpenWrt', interface: 'wlan0' }), 'en')).toBe('System description: Linux OpenWrt · Network interface: wlan0');
    expect(eventMessageText('{"lens":"2.8mm","empty":""}', 'vi')).toBe('lens: 2.8mm');
    expect(eventMessageText('quạt hỏng {nhiệt độ 85}', 'vi')).toBe('quạt hỏng {nhiệt độ 85}');
    expect(eventMessageText('{not json', 'vi')).toBe('{not json');
    expect(eventMessageText('[1,2]', 'vi')).toBe('[1,2]');
  });
});
