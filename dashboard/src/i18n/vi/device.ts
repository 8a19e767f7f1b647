/**
 * Vietnamese for one device's page: charts, events, camera snapshot. Every key here must also be in
 * en/device.ts (checked by its type).
 */
export const device = {
  'detail.back': '← Tất cả thiết bị',
  'detail.notFound': 'Không tìm thấy thiết bị {id}.',
  'detail.metric': 'Chỉ số',
  'detail.range': 'Khoảng thời gian',
  'detail.range.1h': '1 giờ',
  'detail.range.24h': '24 giờ',
  'detail.range.7d': '7 ngày',
  'detail.chartLabel': 'Biểu đồ {metric} trong {range}',
  'detail.mean': 'Trung bình',
  'detail.band': 'Thấp nhất – cao nhất',
  'detail.shadeLegend': 'Vùng tô màu trên biểu đồ',
  'detail.latest': 'Giá trị mới nhất',
  'detail.latestAt': 'Cập nhật: {when}',
  'detail.field': 'Chỉ số',
  'detail.value': 'Giá trị',
  'detail.noSeries': 'Không có số liệu trong khoảng này.',
  'detail.loading': 'Đang tải…',
  'detail.since': 'Trạng thái từ: {when}',
  'detail.kind': 'Loại',
  'detail.village': 'Thôn',
  'detail.parent': 'Phụ thuộc',
  'detail.location': 'Vị trí',
  'detail.yes': 'Có',
  'detail.no': 'Không',

  'events.title': 'Sự kiện của thiết bị',
  'events.none': 'Chưa có sự kiện nào trong 30 ngày qua.',
  'events.error': 'Không tải được sự kiện: {message}',
  'events.list': 'Các sự kiện, mới nhất ở trên',

  'snapshot.title': 'Ảnh chụp mới nhất',
  'snapshot.alt': 'Ảnh chụp mới nhất từ {name}',
  'snapshot.taken': 'Chụp lúc {time} ({ago})',
  'snapshot.none': 'Chưa có ảnh chụp từ camera này.',
  'snapshot.error': 'Không tải được ảnh: {message}',
  'snapshot.refresh': 'Tải lại ảnh',
  'snapshot.auto': 'Tự cập nhật mỗi 30 giây.',
} satisfies Record<string, string>;
