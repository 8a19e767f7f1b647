import type { Lang } from './i18n.js';

/**
 * The words of alert texts, in every interface language. Node-free: notifications and the dashboard both
 * read alerts through shared/alert-text.ts, which uses these and nothing else.
 */
export interface AlertPhrases {
  at: (time: string) => string;
  since: (time: string) => string;
  /** Another day than today: " ngày 25/11". */
  onDay: (day: string) => string;
  and: string;
  cause: string;
  check: string;
  /** The device that took this one down, as a cause. */
  causeDown: (name: string) => string;
  offline: string;
  back: string;
  /** How long it was out, in the recovery message. */
  interrupted: (duration: string, seconds: number) => string;
  /** One alert that covered several outages (down again before it was declared back). */
  outagesIn: (n: number, duration: string) => string;
  /** The devices a root cause took down: their count, and their names when known. */
  took: (n: number, names: string) => string;
  /** After the first five names: "và 2 thiết bị khác". */
  andMore: (n: number) => string;
  behindBack: string;
  behindStillDown: (names: string) => string;
  flapping: string;
  flappingCount: (outages: number, window: string) => string;
  stable: string;
  thresholdNormal: string;
  threshold: string;
  outOfRange: (metric: string) => string;
  /** The Internet link of the hub: one village's, or the hub's for several. */
  internetOf: (villages: string[]) => string;
  internetDown: string;
  internetBack: string;
  /** Central mode: a village hub stopped reporting to the commune/province (its Last Will). */
  hubOf: (village: string) => string;
  hubOffline: string;
  hubBack: string;
  /** Central mode: messages a village hub holds because it cannot send them upstream. */
  backlogGrowing: (messages: number, age: string | null) => string;
  backlogCleared: string;
  meetingSet: (village: string) => string;
  notReady: (title: string, time: string) => string;
  ready: (title: string) => string;
  meetingClosed: (title: string, time: string) => string;
  eventFired: (type: string, time: string) => string;
  eventShort: (type: string) => string;
  eventCleared: (type: string, time: string) => string;
  acked: (who: string, time: string) => string;
  someone: string;
  note: string;
  escalated: (duration: string) => string;
  titleBack: string;
  /** Closed because what it was about left the configuration. */
  removed: string;
  titleAcked: string;
  titleEscalated: string;
  delayed: (duration: string, because: string | null) => string;
  delayInternet: string;
  delayHub: (from: string, to: string) => string;
  delayReceiverStatus: (channel: string, status: number) => string;
  delayReceiverUnreachable: (channel: string) => string;
}

/** Village names that already say what they are ("Thôn Đông Căm", "Bản Phố") are not prefixed again. */
const placeVi = (v: string): string => (/^(thôn|làng|bản|xóm|ấp|buôn|khu|tổ)\s/iu.test(v) ? v : `thôn ${v}`);

const vi: AlertPhrases = {
  at: (t) => `lúc ${t}`,
  since: (t) => `từ ${t}`,
  onDay: (d) => ` ngày ${d}`,
  and: 'và',
  cause: 'nguyên nhân',
  check: 'cần kiểm tra',
  causeDown: (name) => `${name} mất kết nối`,
  offline: 'mất kết nối',
  back: 'hoạt động trở lại',
  interrupted: (d) => `gián đoạn ${d}`,
  outagesIn: (n, d) => `mất kết nối ${n} lần trong ${d}`,
  took: (n, names) => `kéo theo ${n} thiết bị khác${names ? `: ${names}` : ''}`,
  andMore: (n) => `và ${n} thiết bị khác`,
  behindBack: 'các thiết bị phía sau cũng đã có lại',
  behindStillDown: (names) => `vẫn chưa có lại: ${names}`,
  flapping: 'chập chờn, liên tục mất kết nối rồi có lại',
  flappingCount: (n, w) => `chập chờn (mất kết nối ${n} lần trong ${w})`,
  stable: 'đã ổn định trở lại',
  thresholdNormal: 'đã trở lại bình thường',
  threshold: 'ngưỡng',
  outOfRange: (m) => `${m} vượt ngưỡng`,
  internetOf: (v) => (v.length === 1 ? `Đường truyền Internet của ${placeVi(v[0] as string)}` : `Đường truyền Internet của trung tâm (${v.map(placeVi).join(', ')})`),
  internetDown: 'bị mất',
  internetBack: 'đã có lại',
  hubOf: (v) => `Máy chủ Làng Số của ${placeVi(v)}`,
  hubOffline: 'mất liên lạc với xã/tỉnh',
  hubBack: 'đã liên lạc lại',
  backlogGrowing: (n, age) => `còn ${n} tin chưa gửi được lên xã/tỉnh${age ? `, tin cũ nhất từ ${age} trước` : ''}`,
  backlogCleared: 'đã gửi hết tin còn tồn',
  meetingSet: (v) => `Bộ họp trực tuyến (${v})`,
  notReady: (title, t) => `chưa sẵn sàng cho cuộc họp "${title}" lúc ${t}`,
  ready: (title) => `đã sẵn sàng cho cuộc họp "${title}"`,
  meetingClosed: (title, t) => `hết cảnh báo cho cuộc họp "${title}" lúc ${t}`,
  eventFired: (type, t) => `báo sự cố nghiêm trọng lúc ${t}: ${type}`,
  eventShort: (type) => `báo sự cố: ${type}`,
  eventCleared: (type, t) => `sự cố "${type}" đã hết lúc ${t}`,
  acked: (who, t) => `đã được ${who} xác nhận lúc ${t}`,
  someone: 'người trực',
  note: 'Ghi chú',
  escalated: (d) => `Chưa ai xác nhận sau ${d}`,
  titleBack: 'đã khắc phục',
  removed: 'đã được gỡ khỏi cấu hình, cảnh báo được đóng lại',
  titleAcked: 'đã xác nhận',
  titleEscalated: 'Chưa ai xác nhận',
  delayed: (d, because) => `(Tin nhắn gửi chậm ${d}${because ? ` do ${because}` : ''})`,
  delayInternet: 'mất kết nối Internet',
  delayHub: (from, to) => `trung tâm không hoạt động từ ${from} đến ${to}`,
  delayReceiverStatus: (ch, status) => `nơi nhận tin (${ch}) báo lỗi ${status}`,
  delayReceiverUnreachable: (ch) => `không kết nối được tới nơi nhận tin (${ch})`,
};

const en: AlertPhrases = {
  at: (t) => `at ${t}`,
  since: (t) => `since ${t}`,
  onDay: (d) => ` on ${d}`,
  and: 'and',
  cause: 'cause',
  check: 'check',
  causeDown: (name) => `${name} is offline`,
  offline: 'went offline',
  back: 'is back online',
  interrupted: (d, s) => (s < 60 ? `interrupted for ${d}` : `down for ${d}`),
  outagesIn: (n, d) => `offline ${n} times in ${d}`,
  took: (n, names) => `taking ${n} other device${n === 1 ? '' : 's'} with it${names ? `: ${names}` : ''}`,
  andMore: (n) => `and ${n} more`,
  behindBack: 'the devices behind it are back too',
  behindStillDown: (names) => `still down: ${names}`,
  flapping: 'is flapping (going offline and back repeatedly)',
  flappingCount: (n, w) => `is flapping (went offline ${n} time${n === 1 ? '' : 's'} in ${w})`,
  stable: 'is stable again',
  thresholdNormal: 'is back to normal',
  threshold: 'threshold',
  outOfRange: (m) => `${m} out of range`,
  internetOf: (v) => (v.length === 1 ? `The Internet link of ${v[0] as string}` : `The hub's Internet link (${v.join(', ')})`),
  internetDown: 'went down',
  internetBack: 'is back',
  hubOf: (v) => `The Làng Số hub of ${v}`,
  hubOffline: 'stopped reporting to the commune/province',
  hubBack: 'is reporting again',
  backlogGrowing: (n, age) => `holds ${n} messages it could not send upstream${age ? `, the oldest from ${age} ago` : ''}`,
  backlogCleared: 'has sent its held messages',
  meetingSet: (v) => `The video meeting set (${v})`,
  notReady: (title, t) => `is not ready for the meeting "${title}" at ${t}`,
  ready: (title) => `is ready for the meeting "${title}"`,
  meetingClosed: (title, t) => `alert for the meeting "${title}" closed at ${t}`,
  eventFired: (type, t) => `reported a critical event at ${t}: ${type}`,
  eventShort: (type) => `reported: ${type}`,
  eventCleared: (type, t) => `"${type}" cleared at ${t}`,
  acked: (who, t) => `acknowledged by ${who} at ${t}`,
  someone: 'someone',
  note: 'Note',
  escalated: (d) => `Not acknowledged after ${d}`,
  titleBack: 'resolved',
  removed: 'was removed from the configuration; the alert is closed',
  titleAcked: 'acknowledged',
  titleEscalated: 'Not acknowledged',
  delayed: (d, because) => `(Message delayed ${d}${because ? ` because ${because}` : ''})`,
  delayInternet: 'the Internet link was down',
  delayHub: (from, to) => `the hub was not running from ${from} to ${to}`,
  delayReceiverStatus: (ch, status) => `the receiver (${ch}) answered with error ${status}`,
  delayReceiverUnreachable: (ch) => `the receiver (${ch}) could not be reached`,
};

export const alertPhrases: Record<Lang, AlertPhrases> = { vi, en };
