import { describe, expect, it } from 'vitest';
import { metricFallbackLabel } from '../../shared/metric-names.js';
import { utcOffsetText, zoneLabel } from '../../shared/time.js';

describe('zones in words (shared/time.ts)', () => {
  const at = Date.parse('2026-11-25T07:00:00Z');

  it('names Vietnam\'s zone with its offset, never its IANA id', () => {
    expect(zoneLabel('Asia/Ho_Chi_Minh', 'vi', at)).toBe('giờ Việt Nam (UTC+7)');
    expect(zoneLabel('Asia/Ho_Chi_Minh', 'en', at)).toBe('Vietnam time (UTC+7)');
    expect(zoneLabel('Asia/Saigon', 'vi', at)).toBe('giờ Việt Nam (UTC+7)');
  });

  it('any other zone is the village\'s time with its offset, half hours and negatives included', () => {
    expect(zoneLabel('Asia/Kolkata', 'vi', at)).toBe('giờ của thôn (UTC+5:30)');
    expect(zoneLabel('America/Sao_Paulo', 'en', at)).toBe("the village's time (UTC−3)");
    expect(utcOffsetText(at, 'UTC')).toBe('UTC');
  });
});

describe('metrics no descriptor labels (shared/metric-label.ts)', () => {
  it('read as words: a part working, a part\'s response time, or the metric named in quotes', () => {
    expect(metricFallbackLabel('projectorOk', 'vi')).toBe('Máy chiếu hoạt động');
    expect(metricFallbackLabel('projectorOk', 'en')).toBe('Projector working');
    expect(metricFallbackLabel('codecMs', 'vi')).toBe('Thời gian phản hồi của thiết bị họp (codec)');
    expect(metricFallbackLabel('loa_ngoaiOk', 'vi')).toBe('Loa_ngoai hoạt động');
    expect(metricFallbackLabel('tempC', 'vi')).toBe('Chỉ số “tempC”');
    expect(metricFallbackLabel('tempC', 'en')).toBe('Metric “tempC”');
  });
});
