/**
 * Vietnamese for the overview: device tiles, places, search and filters. Every key here must also be in
 * en/overview.ts (checked by its type).
 */
export const overview = {
  'device.lastSeen': 'Lần cuối thấy: {when}',
  'device.neverSeen': 'Chưa từng thấy',
  'device.reason': 'Lý do: {reason}',
  'device.noData': 'Chưa có số liệu',
  'device.open': 'Xem chi tiết {name}',
  'device.unregistered': 'Chưa đăng ký',
  'device.unregisteredHint': 'Các thiết bị này đã gửi dữ liệu nhưng chưa có trong cấu hình.',
  'device.none': 'Chưa có thiết bị nào.',
  'place.unknownProvince': 'Chưa ghi tỉnh',
  'place.unknownCommune': 'Chưa ghi xã',
  'device.villageCount': '{online}/{total} trực tuyến',
  'device.stale': 'Số liệu cũ từ {time}, chưa cập nhật được',
  'device.downSince': '{state} từ {time} · {duration}',
  'device.location': 'Vị trí: {place}',
  'device.unregisteredTag': 'Chưa đăng ký',
  'device.dismiss': 'Ẩn khỏi danh sách',
  'device.dismissConfirm': 'Ẩn thiết bị này? Nó sẽ hiện lại nếu gửi dữ liệu lần nữa.',
  'device.dismissLabel': 'Ẩn thiết bị chưa đăng ký {id}',
  'device.dismissFailed': 'Không ẩn được: {message}',

  'filter.label': 'Tìm và lọc thiết bị',
  'filter.search': 'Tìm thiết bị',
  'filter.searchPlaceholder': 'Tên, mã hoặc vị trí',
  'filter.problems': 'Chỉ thiết bị có sự cố ({n})',
  'filter.noProblems': 'Không có thiết bị nào đang gặp sự cố.',
  'filter.noMatch': 'Không tìm thấy thiết bị nào khớp.',

  'device.unreachableBy': 'Không truy cập được — do {parent} mất kết nối',
  'device.maintenanceNote': 'Bảo trì: {note}',
  'device.viewAlert': 'Xem cảnh báo',
} satisfies Record<string, string>;
