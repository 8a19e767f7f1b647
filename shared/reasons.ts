import { localeOf, type Lang, type Text } from './i18n.js';

/**
 * Why a device is not online, as people read it. A reason travels as a code plus parameters (set by the
 * hub, a poller or an agent); this phrasebook turns it into Vietnamese or English. The raw technical text
 * (what a poller's library said) travels beside it, for commune IT. Node-free: the dashboard and
 * notifications both use it, so they cannot say it differently.
 */
export type ReasonParams = Record<string, string | number>;

/**
 * Every reason code the hub and its pollers produce. A device or agent may send other codes (any slug):
 * those are shown by their raw text. `timeout` without parameters is the hub's heartbeat timeout; with
 * `s` it is a poll that got no answer within s seconds.
 */
export const reasonCodes = [
  // decided by the hub
  'timeout',
  'lwt',
  'parent',
  'maintenance',
  'agent-stopped',
  // any network probe
  'refused',
  'unreachable',
  'dns',
  'connection-closed',
  'network-error',
  'http-status',
  'keyword-missing',
  'ping-failed',
  // cameras
  'onvif-unauthorized',
  'onvif-refused',
  'onvif-fault',
  'onvif-unsupported',
  'onvif-bad-answer',
  'rtsp-refused',
  'rtsp-unauthorized',
  'rtsp-no-stream',
  'rtsp-status',
  'rtsp-closed',
  'rtsp-timeout',
  'rtsp-bad-answer',
  'snapshot-failed',
  // SNMP (Wi-Fi access points)
  'snmp-timeout',
  'snmp-auth',
  'snmp-no-object',
  'snmp-bad-value',
  'snmp-error',
  'interface-down',
  'interface-missing',
  // the village's Internet link (hub/availability/internet.ts)
  'internet-unreachable',
  // meeting sets, recorders, PCs
  'part-down',
  'disk-unreadable',
  // a check that failed in a way no code above describes (the raw text says how)
  'check-failed',
] as const;
export type ReasonCode = (typeof reasonCodes)[number];

/** A reason as it travels: the code, its parameters, and the raw technical text (for commune IT). */
export interface Reason {
  code: ReasonCode;
  params?: ReasonParams;
  /** What the library or device said, in its own (usually English) words. */
  detail?: string;
}

/** Shape of a code on the wire (MQTT `code`, alert detail): a lowercase slug. */
export const REASON_CODE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

type Phrase = Text | ((p: ReasonParams, lang: Lang) => Text);

/** 4,5 in Vietnamese, 4.5 in English; a parameter that is not a number is shown as sent. */
function num(v: string | number | undefined, lang: Lang): string {
  if (typeof v !== 'number') return v === undefined ? '?' : String(v);
  return new Intl.NumberFormat(localeOf[lang], { maximumFractionDigits: 1 }).format(v);
}

const str = (p: ReasonParams, k: string): string | undefined => (p[k] === undefined || p[k] === '' ? undefined : String(p[k]));

/** Names people give the parts of a meeting set (and an NVR's web page), in words. */
const partNames: Record<string, Text> = {
  codec: { vi: 'thiết bị họp (codec)', en: 'the codec' },
  display: { vi: 'màn hình', en: 'the display' },
  screen: { vi: 'màn hình', en: 'the screen' },
  tv: { vi: 'màn hình', en: 'the TV' },
  projector: { vi: 'máy chiếu', en: 'the projector' },
  camera: { vi: 'camera họp', en: 'the meeting camera' },
  mic: { vi: 'micrô', en: 'the microphone' },
  speaker: { vi: 'loa', en: 'the speaker' },
  pc: { vi: 'máy tính', en: 'the PC' },
  web: { vi: 'trang quản lý', en: 'the web page' },
};

export function partName(part: string, lang: Lang): string {
  return partNames[part]?.[lang] ?? part;
}

/** Wi-Fi radios are called wlan0, wl0, ath0, ra0, phy0-ap0… on the firmware APs run. */
const isRadio = (iface: string): boolean => /^(wlan|wl\d|ath|ra\d|phy)/i.test(iface);

const phrases: Record<ReasonCode, Phrase> = {
  timeout: (p, lang) =>
    p.s === undefined
      ? { vi: 'không nhận được tín hiệu từ thiết bị', en: 'no signal from the device' }
      : { vi: `không trả lời sau ${num(p.s, lang)} giây`, en: `no answer within ${num(p.s, lang)} s` },
  lwt: { vi: 'thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)', en: 'the device dropped its connection suddenly (power or network loss)' },
  parent: { vi: 'thiết bị cha mất kết nối', en: 'the device it depends on is offline' },
  maintenance: (p) => {
    const note = str(p, 'note');
    return note ? { vi: `đang bảo trì: ${note}`, en: `under maintenance: ${note}` } : { vi: 'đang bảo trì', en: 'under maintenance' };
  },
  'agent-stopped': {
    vi: 'phần mềm giám sát trên thiết bị đã dừng (máy tắt hoặc đang khởi động lại)',
    en: 'the monitoring agent on the device stopped (shut down or restarting)',
  },
  refused: (p) => {
    const port = str(p, 'port');
    return port
      ? { vi: `cổng ${port} không mở (thiết bị từ chối kết nối)`, en: `port ${port} is not open (connection refused)` }
      : { vi: 'thiết bị từ chối kết nối', en: 'the device refused the connection' };
  },
  unreachable: {
    vi: 'không liên lạc được với thiết bị (mất mạng, sai địa chỉ hoặc thiết bị đã tắt)',
    en: 'cannot reach the device (network down, wrong address or device off)',
  },
  dns: (p) => {
    const host = str(p, 'host') ?? '?';
    return { vi: `không tìm thấy địa chỉ "${host}" (sai tên hoặc lỗi tên miền)`, en: `the name "${host}" was not found (wrong name or DNS failure)` };
  },
  'connection-closed': { vi: 'thiết bị ngắt kết nối giữa chừng', en: 'the device closed the connection' },
  'network-error': { vi: 'lỗi mạng khi kết nối tới thiết bị', en: 'network error while connecting to the device' },
  'http-status': (p) => {
    const status = str(p, 'status') ?? '?';
    const expected = str(p, 'expected');
    return expected
      ? { vi: `trang web của thiết bị trả mã ${status} thay vì ${expected}`, en: `the device's web page answered ${status} instead of ${expected}` }
      : { vi: `trang web của thiết bị báo lỗi (mã ${status})`, en: `the device's web page answered with an error (status ${status})` };
  },
  'keyword-missing': (p) => {
    const k = str(p, 'keyword') ?? '?';
    return { vi: `trang web của thiết bị không có chữ "${k}" như mong đợi`, en: `the device's web page does not show "${k}"` };
  },
  'ping-failed': { vi: 'máy trung tâm không chạy được lệnh ping (cần cài iputils-ping)', en: 'the hub could not run ping (install iputils-ping)' },
  'onvif-unauthorized': { vi: 'camera từ chối mật khẩu (sai tên đăng nhập hoặc mật khẩu)', en: 'the camera refused the password (wrong user name or password)' },
  'onvif-refused': (p) => {
    const port = str(p, 'port');
    return {
      vi: `camera từ chối kết nối${port ? ` (cổng ${port} không mở)` : ''} — camera đang khởi động, đã tắt ONVIF hoặc sai địa chỉ`,
      en: `the camera refused the connection${port ? ` (port ${port} not open)` : ''} — starting up, ONVIF off, or wrong address`,
    };
  },
  'onvif-fault': { vi: 'camera báo lỗi khi được hỏi thông tin', en: 'the camera answered with an error' },
  'onvif-unsupported': { vi: 'camera không hỗ trợ chức năng cần kiểm tra', en: 'the camera does not support a function the check needs' },
  'onvif-bad-answer': { vi: 'camera trả lời không đúng chuẩn ONVIF', en: 'the camera did not answer in valid ONVIF' },
  'rtsp-refused': (p) => {
    const port = str(p, 'port');
    return {
      vi: `camera không phát hình: cổng video${port ? ` ${port}` : ''} không mở`,
      en: `no video: the camera's video port${port ? ` ${port}` : ''} is not open`,
    };
  },
  'rtsp-unauthorized': { vi: 'camera từ chối mật khẩu khi mở luồng video', en: 'the camera refused the password for the video stream' },
  'rtsp-no-stream': { vi: 'camera không có luồng video', en: 'the camera has no video stream' },
  'rtsp-status': (p) => ({ vi: `camera không phát được luồng video (mã lỗi ${str(p, 'status') ?? '?'})`, en: `the video stream failed (status ${str(p, 'status') ?? '?'})` }),
  'rtsp-closed': { vi: 'camera ngắt kết nối luồng video', en: 'the camera closed the video connection' },
  'rtsp-timeout': { vi: 'luồng video không trả lời kịp', en: 'the video stream did not answer in time' },
  'rtsp-bad-answer': { vi: 'luồng video trả lời không hợp lệ', en: 'the video stream gave an invalid answer' },
  'snapshot-failed': { vi: 'không lấy được ảnh chụp từ camera', en: 'could not get a snapshot from the camera' },
  'snmp-timeout': {
    vi: 'thiết bị không trả lời khi đọc số liệu (đã tắt, mất mạng hoặc sai mật khẩu đọc SNMP)',
    en: 'no answer when reading its data (off, network down, or wrong SNMP community/password)',
  },
  'snmp-auth': { vi: 'thiết bị từ chối tên đăng nhập hoặc mật khẩu đọc số liệu (SNMP)', en: 'the device refused the SNMP user or key' },
  'snmp-no-object': { vi: 'thiết bị không cung cấp số liệu cần đọc', en: 'the device does not provide a value the check reads' },
  'snmp-bad-value': { vi: 'thiết bị trả về số liệu không đọc được', en: 'the device returned a value that cannot be read' },
  'snmp-error': { vi: 'lỗi khi đọc số liệu từ thiết bị', en: 'error while reading the device’s data' },
  'interface-down': (p, lang) => {
    const iface = str(p, 'iface') ?? '?';
    const status = str(p, 'status');
    const text: Text = isRadio(iface)
      ? { vi: `sóng Wi-Fi (${iface}) đang tắt`, en: `the Wi-Fi radio (${iface}) is down` }
      : { vi: `cổng mạng ${iface} đang tắt`, en: `network interface ${iface} is down` };
    return status ? { ...text, [lang]: `${text[lang]} (${status})` } : text;
  },
  'interface-missing': (p) => {
    const iface = str(p, 'iface') ?? '?';
    return { vi: `không tìm thấy cổng mạng "${iface}" trên thiết bị`, en: `no network interface "${iface}" on the device` };
  },
  'internet-unreachable': (p) => {
    const n = str(p, 'tried');
    return {
      vi: `không vào được Internet: ${n ? `${n} địa chỉ đã thử đều` : 'không địa chỉ nào'} không trả lời`,
      en: `no Internet: ${n ? `none of the ${n} addresses tried` : 'no address'} answered`,
    };
  },
  'part-down': (p, lang) => {
    const part = partName(str(p, 'part') ?? '?', lang);
    const inner = str(p, 'partCode');
    const why = (inner && inner !== 'part-down' && reasonText(inner, p, lang)) ?? (lang === 'vi' ? 'không hoạt động' : 'not working');
    const more = typeof p.more === 'number' && p.more > 0 ? p.more : 0;
    return {
      vi: `${part}: ${why}${more ? ` (và ${more} bộ phận khác)` : ''}`,
      en: `${part}: ${why}${more ? ` (and ${more} more)` : ''}`,
    };
  },
  'disk-unreadable': (p) => ({ vi: `không đọc được ổ đĩa ${str(p, 'path') ?? ''}`.trimEnd(), en: `cannot read disk ${str(p, 'path') ?? ''}`.trimEnd() }),
  'check-failed': { vi: 'kiểm tra thiết bị không thành công (xem chi tiết kỹ thuật)', en: 'the check failed (see the technical details)' },
};

/** The reason codes this phrasebook knows. */
export function knownReason(code: string): code is ReasonCode {
  return Object.prototype.hasOwnProperty.call(phrases, code);
}

/** The reason in words, or null for a code this phrasebook does not know (show the raw text then). */
export function reasonText(code: string, params: ReasonParams | undefined, lang: Lang): string | null {
  if (!knownReason(code)) return null;
  const p = phrases[code];
  return (typeof p === 'function' ? p(params ?? {}, lang) : p)[lang];
}

export interface ReasonFields {
  reason?: string | null | undefined;
  reasonCode?: string | null | undefined;
  reasonParams?: ReasonParams | null | undefined;
}

/**
 * A reason as a person reads it: `words` from its code's phrase; else a known code sent as the reason
 * text (a Last Will's "lwt", a state stored before codes existed); else the device's own words as sent.
 * `detail` is the raw technical text, when it says more than the words (for commune IT, one tap away).
 */
export function reasonView(r: ReasonFields, lang: Lang): { words: string | null; detail: string | null } {
  const byCode = r.reasonCode ? reasonText(r.reasonCode, r.reasonParams ?? undefined, lang) : null;
  if (byCode) return { words: byCode, detail: r.reason && r.reason !== r.reasonCode && !byCode.includes(r.reason) ? r.reason : null };
  if (r.reason) return { words: reasonText(r.reason, undefined, lang) ?? r.reason, detail: null };
  return { words: r.reasonCode ?? null, detail: null };
}
