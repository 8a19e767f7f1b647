/**
 * Villages grouped province → commune → village, as a commune or province dashboard lists them. Node-free:
 * the dashboard and the hub's reports use the same order. Names sort the Vietnamese way; a village with
 * no commune or province in its configuration (or inventory) goes last, under an empty name.
 */
export interface Place {
  id: string;
  name: string;
  commune?: string;
  province?: string;
}

export interface CommuneGroup<V> {
  commune: string;
  villages: V[];
}

export interface ProvinceGroup<V> {
  province: string;
  communes: CommuneGroup<V>[];
}

// Made on first use: a Vietnamese collator loads ~4 MiB of ICU data, which a hub that never sorts places
// (one village, no reports asked for) does not need to hold.
let collator: Intl.Collator | null = null;
const compare = (a: string, b: string): number => (collator ??= new Intl.Collator('vi', { sensitivity: 'base', numeric: true })).compare(a, b);

/** Empty names (unknown) last, the rest in Vietnamese order. */
function byName(a: string, b: string): number {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
  return compare(a, b);
}

export function groupPlaces<V>(items: readonly V[], placeOf: (v: V) => Place): ProvinceGroup<V>[] {
  const provinces = new Map<string, Map<string, V[]>>();
  for (const item of items) {
    const p = placeOf(item);
    const province = p.province ?? '';
    const commune = p.commune ?? '';
    const communes = provinces.get(province) ?? new Map<string, V[]>();
    provinces.set(province, communes);
    const list = communes.get(commune) ?? [];
    communes.set(commune, list);
    list.push(item);
  }
  return [...provinces.entries()]
    .sort(([a], [b]) => byName(a, b))
    .map(([province, communes]) => ({
      province,
      communes: [...communes.entries()]
        .sort(([a], [b]) => byName(a, b))
        .map(([commune, villages]) => ({ commune, villages: [...villages].sort((x, y) => compare(placeOf(x).name, placeOf(y).name)) })),
    }));
}

/** More than one commune (or province) to show: the dashboard then heads each group with its name. */
export function isMultiPlace<V>(groups: readonly ProvinceGroup<V>[]): boolean {
  return groups.length > 1 || (groups[0]?.communes.length ?? 0) > 1;
}
