/**
 * Vietnamese for the frame around every page: header, navigation, banners (live link, storage, internet,
 * uplink), states, times and durations. Every key here must also be in en/shell.ts (checked by its type).
 */
export const shell = {
  'app.name': 'Làng Số',
  'app.tagline': 'Giám sát thiết bị thôn',
  'app.loading': 'Đang tải danh sách thiết bị…',
  'app.lang': 'Ngôn ngữ',
  'app.langSwitch': 'English',
  'app.retry': 'Thử lại',

  'summary.total': '{n} thiết bị',
  'summary.label': 'Tóm tắt trạng thái',

  'state.online': 'Trực tuyến',
  'state.offline': 'Mất kết nối',
  'state.unreachable': 'Không truy cập được',
  'state.maintenance': 'Bảo trì',
  'state.unknown': 'Không rõ',
  'state.stale': 'Chưa cập nhật',
  'summary.staleAt': 'Lúc {time}:',

  'reason.lwt': 'thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)',
  'reason.timeout': 'không nhận được tín hiệu từ thiết bị',
  'reason.heartbeat': 'quá lâu không nhận được tin',
  'reason.parent': 'thiết bị cha mất kết nối',
  'reason.technical': 'Chi tiết kỹ thuật',

  'time.justNow': 'vừa xong',
  'time.secondsAgo': '{n} giây trước',
  'time.minutesAgo': '{n} phút trước',
  'time.hoursAgo': '{n} giờ trước',
  'time.daysAgo': '{n} ngày trước',

  'live.lost': 'Mất kết nối trực tiếp tới trung tâm — đang thử lại…',
  'live.restored': 'Đã kết nối lại',
  'storage.backlog':
    'Chưa ghi được vào kho số liệu: {points} số liệu ({size}) đang chờ trên ổ đĩa của máy chủ thôn, lâu nhất đã {age}. Khi kho hoạt động lại, chúng sẽ được ghi bù, không bị mất.',
  'storage.dropped':
    'Chỗ chờ trên ổ đĩa đã đầy nên {n} số liệu cũ nhất đã phải bỏ. Hãy báo cán bộ kỹ thuật của xã.',
  'storage.diskError':
    'Ổ đĩa của máy chủ thôn không ghi được (có thể đã đầy). Hãy báo cán bộ kỹ thuật của xã để giải phóng chỗ trống.',
  'security.anonymousMqtt':
    'Cảnh báo: trung tâm đang nhận dữ liệu từ thiết bị mà không cần mật khẩu, nên người lạ dùng chung mạng Wi-Fi có thể gửi số liệu giả. Hãy báo cán bộ kỹ thuật của xã.',
  'live.lostSince': 'Mất kết nối trực tiếp tới trung tâm từ {time} — số liệu đang hiện là số liệu cũ. Đang thử lại…',

  'error.load': 'Không tải được danh sách thiết bị: {message}',
  'error.series': 'Không tải được số liệu: {message}',
  'error.network': 'không liên lạc được với trung tâm',
  'error.http': 'lỗi máy chủ (mã {status})',
  'nav.label': 'Các trang',
  'nav.overview': 'Tổng quan',
  'nav.alerts': 'Cảnh báo',
  'nav.maintenance': 'Bảo trì',
  'nav.alertsCount': '{n} cảnh báo đang mở',
  'nav.alertsFiring': '{n} chưa ai xác nhận',

  'internet.label': 'Internet',
  'internet.up': 'đang hoạt động',
  'internet.down': 'mất kết nối từ {time}',
  'internet.unknown': 'đang kiểm tra',
  'internet.notProbed': 'chưa theo dõi',
  'internet.rtt': 'độ trễ {ms} ms',
  'uplink.label': 'Gửi dữ liệu lên xã',
  'uplink.connected': 'đang kết nối',
  'uplink.partial': 'chỉ một số thôn đang kết nối',
  'uplink.disconnected': 'mất kết nối từ {time}',
  'uplink.backlog': 'còn {n} tin chờ gửi ({size}), tin cũ nhất đã chờ {age}',
  'uplink.dropped': 'đã bỏ {n} số đo cũ vì hàng chờ đầy',
  'internet.banner': 'Đường truyền Internet của thôn đang mất — cảnh báo sẽ được gửi khi có mạng trở lại',

  'duration.dh': '{d} ngày {h} giờ',
  'duration.d': '{d} ngày',
  'duration.hm': '{h} giờ {m} phút',
  'duration.h': '{h} giờ',
  'duration.m': '{m} phút',
  'duration.s': '{s} giây',
  'reason.maintenance': 'đang bảo trì',
  'nav.audit': 'Nhật ký',
  'nav.reports': 'Báo cáo',
} satisfies Record<string, string>;
