import { useState } from 'preact/hooks';
import type { DeviceView, MeetingRequest, VillageView } from '../../../shared/events';
import { addMeeting, formErrors } from '../api';
import { villageTz } from '../format';
import { zoneText } from '../time';
import { t } from '../i18n';
import { described, DeviceSelect, Field } from './Field';

interface Props {
  villages: VillageView[];
  devices: DeviceView[];
  onSaved: () => Promise<void>;
}

/** Schedules an online meeting; the hub checks the meeting set and the internet before it. */
export function MeetingForm({ villages, devices, onSaved }: Props) {
  const [village, setVillage] = useState(villages[0]?.id ?? '');
  const [title, setTitle] = useState('');
  const [startAt, setStartAt] = useState('');
  const [device, setDevice] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState('');
  const tz = villageTz(villages, village);
  const sets = devices.filter((d) => d.village === village && d.registered && d.kind === 'meeting-room');

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setSaved('');
    const e: Record<string, string> = {};
    if (!title.trim()) e.title = t('form.required');
    if (!startAt) e.startAt = t('form.required');
    setErrors(e);
    if (Object.keys(e).length > 0) {
      document.getElementById(`mt-${Object.keys(e)[0]}`)?.focus();
      return;
    }
    // Without offset: the hub reads it in the village's time zone, whatever zone this phone is in.
    const body: MeetingRequest = { village, title: title.trim(), startAt: startAt.length === 16 ? `${startAt}:00` : startAt };
    if (device) body.device = device;
    setBusy(true);
    try {
      await addMeeting(body);
      setTitle('');
      setStartAt('');
      setSaved(t('form.saved'));
      await onSaved();
    } catch (err) {
      const shown = [...(villages.length > 1 ? ['village'] : []), 'title', 'startAt', 'device'];
      const f = formErrors(err, shown, { village: t('form.village') });
      const general = f[''] ?? '';
      setErrors({ ...f, '': general ? t('form.failed', { message: general }) : '' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="admin-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="mt-form-title" data-testid="meeting-form">
      <h4 id="mt-form-title">{t('meet.add')}</h4>
      {villages.length > 1 && (
        <Field id="mt-village" label={t('form.village')} error={errors.village}>
          <select
            {...described('mt-village', errors.village)}
            class="input"
            value={village}
            onChange={(e) => {
              setVillage(e.currentTarget.value);
              setDevice('');
            }}
          >
            {villages.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field id="mt-title" label={t('meet.name')} error={errors.title}>
        <input {...described('mt-title', errors.title)} class="input" maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      </Field>
      <Field id="mt-startAt" label={t('meet.startAt')} error={errors.startAt} hint={t('form.tzHint', { zone: zoneText(tz) })}>
        <input
          {...described('mt-startAt', errors.startAt, t('form.tzHint', { zone: zoneText(tz) }))}
          class="input"
          type="datetime-local"
          value={startAt}
          onInput={(e) => setStartAt(e.currentTarget.value)}
        />
      </Field>
      <DeviceSelect id="mt-device" label={t('meet.device')} error={errors.device} none={t('meet.allDevices')} devices={sets} value={device} onChange={setDevice} />
      <p class="form-error" role="alert">
        {errors[''] ?? ''}
      </p>
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? t('form.saving') : t('form.save')}
        </button>
        <span role="status" class="form-saved">
          {saved}
        </span>
      </div>
    </form>
  );
}
