import { describe, expect, it } from 'vitest';
import { groupPlaces, isMultiPlace } from '../../shared/places.js';

const v = (id: string, name: string, commune?: string, province?: string) => ({ id, name, ...(commune ? { commune } : {}), ...(province ? { province } : {}) });

describe('groupPlaces', () => {
  it('groups villages province → commune → village, in Vietnamese order, unknown places last', () => {
    const villages = [
      v('ta-van', 'Tả Van', 'Tả Van', 'Lào Cai'),
      v('dong-cam', 'Đông Căm', 'Gia Phú', 'Lào Cai'),
      v('ban-vuoc', 'Bản Vược', 'Bản Vược', 'Lào Cai'),
      v('na-hang', 'Nà Hang', 'Thượng Lâm', 'Tuyên Quang'),
      v('lone', 'Lẻ'),
      v('an-binh', 'An Bình', 'Gia Phú', 'Lào Cai'),
    ];
    const groups = groupPlaces(villages, (x) => x);
    expect(groups.map((p) => [p.province, p.communes.map((c) => [c.commune, c.villages.map((x) => x.id)])])).toEqual([
      ['Lào Cai', [['Bản Vược', ['ban-vuoc']], ['Gia Phú', ['an-binh', 'dong-cam']], ['Tả Van', ['ta-van']]]],
      ['Tuyên Quang', [['Thượng Lâm', ['na-hang']]]],
      ['', [['', ['lone']]]],
    ]);
    expect(isMultiPlace(groups)).toBe(true);
  });

  it('a hub of one commune has nothing to head', () => {
    const groups = groupPlaces([v('a', 'A', 'Gia Phú', 'Lào Cai'), v('b', 'B', 'Gia Phú', 'Lào Cai')], (x) => x);
    expect(isMultiPlace(groups)).toBe(false);
  });
});
