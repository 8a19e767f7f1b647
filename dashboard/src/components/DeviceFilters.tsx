import type { DeviceFilter } from '../device-order';
import { t } from '../i18n';

interface Props {
  filter: DeviceFilter;
  onChange: (f: DeviceFilter) => void;
  /** How many devices have a problem now (shown next to the switch). */
  problems: number;
}

/** Search by name, id or location, and "only devices with a problem": finding the one broken camera among many. */
export function DeviceFilters({ filter, onChange, problems }: Props) {
  return (
    <div class="device-filters" role="search" aria-label={t('filter.label')} data-testid="device-filters">
      <label class="filter-search">
        <span>{t('filter.search')}</span>
        <input
          class="input"
          type="search"
          value={filter.query}
          placeholder={t('filter.searchPlaceholder')}
          autocomplete="off"
          onInput={(e) => onChange({ ...filter, query: e.currentTarget.value })}
        />
      </label>
      <label class="check filter-problems">
        <input type="checkbox" checked={filter.problems} onChange={(e) => onChange({ ...filter, problems: e.currentTarget.checked })} />
        {t('filter.problems', { n: problems })}
      </label>
    </div>
  );
}
