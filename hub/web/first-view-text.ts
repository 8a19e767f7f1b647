import type { Lang } from '../../shared/i18n.js';

/**
 * The dashboard's words the first view uses, copied from dashboard/src/i18n (vi.ts, en.ts) under the same
 * keys: the hub cannot import the browser's dictionaries (they are bundled by Vite, not built with the hub).
 * test/web/first-view.test.ts checks every entry against those dictionaries, so the two never drift apart
 * (a different word would flicker when the script takes over).
 */
export const firstViewText = {
  'app.name': { vi: 'Làng Số', en: 'Làng Số' },
  'app.tagline': { vi: 'Giám sát thiết bị thôn', en: 'Village device monitor' },
  'app.lang': { vi: 'Ngôn ngữ', en: 'Language' },
  'app.langSwitch': { vi: 'English', en: 'Tiếng Việt' },
  'nav.label': { vi: 'Các trang', en: 'Pages' },
  'nav.overview': { vi: 'Tổng quan', en: 'Overview' },
  'nav.alerts': { vi: 'Cảnh báo', en: 'Alerts' },
  'nav.maintenance': { vi: 'Bảo trì', en: 'Maintenance' },
  'nav.reports': { vi: 'Báo cáo', en: 'Reports' },
  'nav.audit': { vi: 'Nhật ký', en: 'Audit log' },
  'role.viewer': { vi: 'người xem', en: 'viewer' },
  'role.leader': { vi: 'cán bộ thôn', en: 'village leader' },
  'role.admin': { vi: 'quản trị', en: 'admin' },
  'user.label': { vi: 'Đang đăng nhập: {name}, {role}', en: 'Logged in: {name}, {role}' },
  'user.logout': { vi: 'Đăng xuất', en: 'Log out' },
  'user.logoutLabel': { vi: 'Đăng xuất khỏi tài khoản {name}', en: 'Log out of {name}' },
  'summary.label': { vi: 'Tóm tắt trạng thái', en: 'Status summary' },
  'summary.total': { vi: '{n} thiết bị', en: '{n} devices' },
  'state.online': { vi: 'Trực tuyến', en: 'Online' },
  'state.offline': { vi: 'Mất kết nối', en: 'Offline' },
  'state.unreachable': { vi: 'Không truy cập được', en: 'Unreachable' },
  'state.maintenance': { vi: 'Bảo trì', en: 'Maintenance' },
  'state.unknown': { vi: 'Không rõ', en: 'Unknown' },
  'filter.label': { vi: 'Tìm và lọc thiết bị', en: 'Find and filter devices' },
  'filter.search': { vi: 'Tìm thiết bị', en: 'Find a device' },
  'filter.searchPlaceholder': { vi: 'Tên, mã hoặc vị trí', en: 'Name, id or location' },
  'filter.problems': { vi: 'Chỉ thiết bị có sự cố ({n})', en: 'Only devices with a problem ({n})' },
  'device.villageCount': { vi: '{online}/{total} trực tuyến', en: '{online}/{total} online' },
  'device.lastSeen': { vi: 'Lần cuối thấy: {when}', en: 'Last seen: {when}' },
  'device.downSince': { vi: '{state} từ {time} · {duration}', en: '{state} since {time} · {duration}' },
  'device.neverSeen': { vi: 'Chưa từng thấy', en: 'Never seen' },
  'device.noData': { vi: 'Chưa có số liệu', en: 'No data yet' },
  'device.location': { vi: 'Vị trí: {place}', en: 'Location: {place}' },
  'time.justNow': { vi: 'vừa xong', en: 'just now' },
  'time.secondsAgo': { vi: '{n} giây trước', en: '{n} s ago' },
  'time.minutesAgo': { vi: '{n} phút trước', en: '{n} min ago' },
  'time.hoursAgo': { vi: '{n} giờ trước', en: '{n} h ago' },
  'time.daysAgo': { vi: '{n} ngày trước', en: '{n} d ago' },
  'uptime.villageLine': { vi: 'Thời gian hoạt động:', en: 'Uptime:' },
  'uptime.range.24h': { vi: '24 giờ', en: '24 hours' },
  'uptime.range.30d': { vi: '30 ngày', en: '30 days' },
  'uptime.none': { vi: 'chưa có số liệu', en: 'no data' },
} as const satisfies Record<string, { vi: string; en: string }>;

export type FirstViewKey = keyof typeof firstViewText;

/** A text in `lang` with its `{name}` placeholders filled (the same rule as the dashboard's t()). */
export function say(lang: Lang, key: FirstViewKey, params?: Record<string, string | number>): string {
  const text: string = firstViewText[key][lang];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
