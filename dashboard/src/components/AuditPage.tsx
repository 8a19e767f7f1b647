import { useEffect, useState } from 'preact/hooks';
import type { AuditEntryView, VillageView } from '../../../shared/events';
import { errorText, fetchAudit, isAbort } from '../api';
import { villageName, villageTz } from '../format';
import { hasKey, t } from '../i18n';
import type { LiveSnapshot } from '../live';
import { dateTimeShort } from '../time';
import './admin.css';

const PAGE = 50;

/** `cli:root` → who ran the command line; anything else as recorded. */
function whoText(who: string): string {
  return who.startsWith('cli') ? `${who.replace(/^cli:?/, '') || '?'} (${t('audit.commandLine')})` : who;
}

function actionText(action: string): string {
  const key = `audit.action.${action}`;
  return hasKey(key) ? t(key) : action;
}

function Entry({ e, villages }: { e: AuditEntryView; villages: VillageView[] }) {
  const tz = villageTz(villages, e.village ?? villages[0]?.id ?? '');
  const alert = /^alert:(\d+)$/.exec(e.target ?? '');
  const note = typeof e.detail.note === 'string' ? e.detail.note : null;
  // A login's target is the person themselves: said once.
  const target = e.target === e.who ? null : e.target;
  return (
    <li class={`item audit-${e.action}`} data-testid={`audit-${e.id}`} data-action={e.action}>
      <div class="item-head">
        <span>
          <strong>{whoText(e.who)}</strong> {actionText(e.action)}
        </span>
      </div>
      {(target || e.village) && (
        <p class="item-line">
          {alert ? <a href={`#/alerts/${alert[1]}`}>#{alert[1]}</a> : target}
          {target && e.village ? ' · ' : ''}
          {e.village && e.village !== '*' ? t('audit.village', { village: villageName(villages, e.village) }) : ''}
        </p>
      )}
      {note && <p class="item-line">“{note}”</p>}
      <p class="audit-when">
        {dateTimeShort(e.ts, tz)}
        {e.ip ? ` · ${t('audit.from', { ip: e.ip.replace(/^::ffff:/, '') })}` : ''}
      </p>
    </li>
  );
}

/** The audit log for admins: who did what, when, from where; newest first, a page at a time. */
export function AuditPage({ snap }: { snap: LiveSnapshot }) {
  const [entries, setEntries] = useState<AuditEntryView[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (before: number | null, signal?: AbortSignal): Promise<void> => {
    setBusy(true);
    try {
      const res = await fetchAudit({ limit: PAGE, before }, signal);
      setEntries((old) => (before === null ? res.entries : [...(old ?? []), ...res.entries]));
      setNext(res.next);
      setError(null);
    } catch (err) {
      if (!isAbort(err)) setError(t('audit.loadError', { message: errorText(err) }));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    const abort = new AbortController();
    void load(null, abort.signal);
    return () => abort.abort();
  }, [snap.epoch]);

  return (
    <div class="admin-page audit-page">
      <h2 class="page-title">{t('audit.title')}</h2>
      <p class="audit-hint">{t('audit.hint')}</p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {entries === null && !error && <p class="loading">{t('audit.loading')}</p>}
      {entries?.length === 0 && <p class="empty">{t('audit.none')}</p>}
      {entries && entries.length > 0 && (
        <ul class="item-list" data-testid="audit-list">
          {entries.map((e) => (
            <Entry key={e.id} e={e} villages={snap.villages} />
          ))}
        </ul>
      )}
      {next !== null && (
        <button type="button" class="button" disabled={busy} onClick={() => void load(next)}>
          {t('audit.more')}
        </button>
      )}
    </div>
  );
}
