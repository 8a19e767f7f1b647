import { useState } from 'preact/hooks';
import type { DeviceView, MaintenanceRequest, VillageView, Weekday } from '../../../shared/events';
import { addMaintenance, formErrors } from '../api';
import { villageName, villageTz } from '../format';
import { t } from '../i18n';
import { scheduleText, WEEKDAYS } from '../schedule';
import { toLocalInput, zoneText } from '../time';
import { described, DeviceSelect, errorId, Field } from './Field';

interface Props {
  villages: VillageView[];
  devices: DeviceView[];
  onSaved: () => Promise<void>;
}

type Errors = Record<string, string>;

/** The next quarter hour, as the default start of a one-off window. */
function nextQuarter(now: number): number {
  const q = 15 * 60_000;
  return Math.ceil(now / q) * q;
}

/** `2026-05-01T14:00` as the hub expects: an ISO date-time without offset, read in the village's zone. */
const withSeconds = (v: string): string => (v.length === 16 ? `${v}:00` : v);

/**
 * Adds a maintenance window. What it covers is chosen on purpose — one device or the whole village, no
 * default — and a whole-village window needs a note and a second confirmation: it silences every alert of
 * the village, so it must never be one tap on pre-filled values.
 */
export function MaintenanceForm({ villages, devices, onSaved }: Props) {
  const [village, setVillage] = useState(villages[0]?.id ?? '');
  const tz = villageTz(villages, village);
  const [target, setTarget] = useState<'device' | 'village' | null>(null);
  const [device, setDevice] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [mode, setMode] = useState<'once' | 'recurring'>('once');
  const [from, setFrom] = useState(() => toLocalInput(nextQuarter(Date.now()), tz));
  const [to, setTo] = useState(() => toLocalInput(nextQuarter(Date.now()) + 2 * 3600_000, tz));
  const [daily, setDaily] = useState(true);
  const [days, setDays] = useState<Weekday[]>([]);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState('');

  const own = devices.filter((d) => d.village === village && d.registered).sort((a, b) => a.name.localeCompare(b.name, 'vi'));

  const check = (): Errors => {
    const e: Errors = {};
    if (target === null) e.target = t('maint.pickTarget');
    else if (target === 'device' && !device) e.device = t('maint.pickDevice');
    else if (target === 'village' && !note.trim()) e.note = t('maint.villageNote');
    if (mode === 'once') {
      if (!from) e.from = t('form.required');
      if (!to) e.to = t('form.required');
      if (from && to && to <= from) e.to = t('form.toAfterFrom');
    } else {
      if (!start) e.start = t('form.required');
      if (!end) e.end = t('form.required');
      if (!daily && days.length === 0) e.days = t('form.pickDays');
    }
    return e;
  };

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setSaved('');
    const e = check();
    setErrors(e);
    if (Object.keys(e).length > 0) {
      setConfirming(false);
      document.getElementById(`mw-${Object.keys(e)[0]}`)?.focus();
      return;
    }
    // The whole village: say what it means and ask once more.
    if (target === 'village' && !confirming) {
      setConfirming(true);
      return;
    }
    await save();
  };

  const save = async (): Promise<void> => {
    const body: MaintenanceRequest = { village };
    if (target === 'device') body.device = device;
    if (note.trim()) body.note = note.trim();
    if (mode === 'once') {
      body.from = withSeconds(from);
      body.to = withSeconds(to);
    } else {
      if (daily) body.daily = true;
      else body.days = days;
      body.start = start;
      body.end = end;
    }
    setBusy(true);
    try {
      await addMaintenance(body);
      setNote('');
      // The next window is chosen afresh, not saved again by a second tap.
      setTarget(null);
      setDevice('');
      setConfirming(false);
      setSaved(t('form.saved'));
      await onSaved();
    } catch (err) {
      setConfirming(false);
      // The hub's codes, said at the fields this form shows; anything else above the save button.
      const shown = [...(villages.length > 1 ? ['village'] : []), 'device', ...(mode === 'once' ? ['from', 'to'] : ['daily', 'days', 'start', 'end']), 'note'];
      const f = formErrors(err, shown, { village: t('form.village'), device: t('form.device'), from: t('form.from'), to: t('form.to'), start: t('form.start'), end: t('form.end') });
      const general = f[''] ?? '';
      setErrors({ ...f, days: [f.days, f.daily].filter(Boolean).join(' '), '': general ? t('form.failed', { message: general }) : '' });
    } finally {
      setBusy(false);
    }
  };

  /** The schedule being added, in words (as the list will show it), for the confirmation. */
  const when = (): string =>
    scheduleText(
      mode === 'once'
        ? { id: '', village, source: 'api', from: withSeconds(from), to: withSeconds(to) }
        : { id: '', village, source: 'api', ...(daily ? { daily: true } : { days }), start, end },
      tz,
    );

  const toggleDay = (d: Weekday): void => setDays((cur) => (cur.includes(d) ? cur.filter((x) => x !== d) : [...cur, d]));

  return (
    <form class="admin-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="mw-title" data-testid="maintenance-form">
      <h4 id="mw-title">{t('maint.add')}</h4>
      {villages.length > 1 && (
        <Field id="mw-village" label={t('form.village')} error={errors.village}>
          <select {...described('mw-village', errors.village)} class="input" value={village} onChange={(e) => {
              setVillage(e.currentTarget.value);
              setDevice('');
            }}>
            {villages.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <fieldset class="choice" aria-describedby={errors.target ? errorId('mw-target') : undefined} data-testid="maintenance-target">
        <legend>{t('maint.target')}</legend>
        <label class="check">
          <input
            id="mw-target"
            type="radio"
            name="mw-target"
            value="device"
            checked={target === 'device'}
            onChange={() => {
              setTarget('device');
              setConfirming(false);
            }}
          />
          {t('maint.oneDevice')}
        </label>
        <label class="check">
          <input
            type="radio"
            name="mw-target"
            value="village"
            checked={target === 'village'}
            onChange={() => {
              setTarget('village');
              setConfirming(false);
            }}
          />
          {t('maint.wholeVillageOf', { village: villageName(villages, village) })}
        </label>
        {errors.target && (
          <p id={errorId('mw-target')} class="field-error">
            {errors.target}
          </p>
        )}
      </fieldset>
      {target === 'device' && (
        <DeviceSelect id="mw-device" label={t('form.device')} error={errors.device} none={t('maint.chooseDevice')} devices={own} value={device} onChange={setDevice} />
      )}
      <fieldset class="choice">
        <legend>{t('form.schedule')}</legend>
        {(['once', 'recurring'] as const).map((m) => (
          <label key={m} class="check">
            <input type="radio" name="mw-mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
            {t(m === 'once' ? 'form.once' : 'form.recurring')}
          </label>
        ))}
      </fieldset>
      {mode === 'once' ? (
        <div class="field-row">
          <Field id="mw-from" label={t('form.from')} error={errors.from}>
            <input {...described('mw-from', errors.from)} class="input" type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </Field>
          <Field id="mw-to" label={t('form.to')} error={errors.to}>
            <input {...described('mw-to', errors.to)} class="input" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </Field>
        </div>
      ) : (
        <>
          <fieldset class="choice" aria-describedby={errors.days ? errorId('mw-days') : undefined}>
            <legend>{t('form.days')}</legend>
            <label class="check">
              <input id="mw-days" type="checkbox" checked={daily} onChange={(e) => setDaily(e.currentTarget.checked)} />
              {t('form.daily')}
            </label>
            {!daily &&
              WEEKDAYS.map((d) => (
                <label key={d} class="check">
                  <input type="checkbox" checked={days.includes(d)} onChange={() => toggleDay(d)} />
                  {t(`day.${d}`)}
                </label>
              ))}
            {errors.days && (
              <p id={errorId('mw-days')} class="field-error">
                {errors.days}
              </p>
            )}
          </fieldset>
          <div class="field-row">
            <Field id="mw-start" label={t('form.start')} error={errors.start}>
              <input {...described('mw-start', errors.start)} class="input" type="time" value={start} onInput={(e) => setStart(e.currentTarget.value)} />
            </Field>
            <Field id="mw-end" label={t('form.end')} error={errors.end} hint={t('form.endHint')}>
              <input {...described('mw-end', errors.end, t('form.endHint'))} class="input" type="time" value={end} onInput={(e) => setEnd(e.currentTarget.value)} />
            </Field>
          </div>
        </>
      )}
      <p class="field-hint" data-testid="tz-hint">{t('form.tzHint', { zone: zoneText(tz) })}</p>
      <Field id="mw-note" label={target === 'village' ? t('maint.noteRequired') : t('form.note')} error={errors.note}>
        <input {...described('mw-note', errors.note)} class="input" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </Field>
      <p class="form-error" role="alert">
        {errors[''] ?? ''}
      </p>
      {confirming ? (
        <div class="confirm-box" role="group" aria-labelledby="mw-confirm" data-testid="maintenance-confirm">
          <p id="mw-confirm">{t('maint.confirmVillage', { village: villageName(villages, village), when: when() })}</p>
          <div class="form-actions">
            <button type="submit" class="button danger" disabled={busy}>
              {busy ? t('form.saving') : t('maint.confirmYes')}
            </button>
            <button type="button" class="button" onClick={() => setConfirming(false)}>
              {t('maint.confirmNo')}
            </button>
          </div>
        </div>
      ) : (
        <div class="form-actions">
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? t('form.saving') : t('form.save')}
          </button>
          <span role="status" class="form-saved">
            {saved}
          </span>
        </div>
      )}
    </form>
  );
}
