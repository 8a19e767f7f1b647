import { useEffect, useRef, useState } from 'preact/hooks';
import type { AlertView } from '../../../shared/events';
import { ackAlert, formErrors } from '../api';
import { t } from '../i18n';
import { rememberName, rememberedName } from '../name';
import { described, Field } from './Field';

interface Props {
  alert: AlertView;
  onDone: (alert: AlertView) => void;
  onCancel: () => void;
}

/** The small acknowledge form: who (remembered on this phone) and an optional note. */
export function AckForm({ alert, onDone, onCancel }: Props) {
  const [by, setBy] = useState(rememberedName);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const nameRef = useRef<HTMLInputElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const base = `ack-${alert.id}`;

  useEffect(() => {
    // With the name already known, the note is what is left to type.
    (by ? noteRef.current : nameRef.current)?.focus();
  }, []);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const name = by.trim();
    if (!name) {
      setErrors({ by: t('ack.nameRequired') });
      nameRef.current?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const res = await ackAlert(alert.id, note.trim() ? { by: name, note: note.trim() } : { by: name });
      rememberName(name);
      onDone(res.alert);
    } catch (err) {
      const fields = formErrors(err, ['by', 'note']);
      const general = fields[''] ?? '';
      setErrors({ ...fields, '': general ? t('ack.failed', { message: general }) : '' });
      setBusy(false);
    }
  };

  return (
    <form class="ack-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${base}-title`} data-testid="ack-form" noValidate>
      <h4 id={`${base}-title`}>{t('ack.title')}</h4>
      <Field id={`${base}-by`} label={t('ack.name')} error={errors.by}>
        <input
          {...described(`${base}-by`, errors.by)}
          ref={nameRef}
          class="input"
          name="by"
          autocomplete="name"
          maxLength={80}
          required
          value={by}
          onInput={(e) => setBy(e.currentTarget.value)}
        />
      </Field>
      <Field id={`${base}-note`} label={t('ack.note')} error={errors.note}>
        <textarea
          {...described(`${base}-note`, errors.note)}
          ref={noteRef}
          class="input"
          name="note"
          rows={2}
          maxLength={500}
          placeholder={t('ack.notePlaceholder')}
          value={note}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
      </Field>
      <p class="form-error" role="alert" data-testid="ack-error">
        {errors[''] ?? ''}
      </p>
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? t('ack.sending') : t('ack.submit')}
        </button>
        <button type="button" class="button" onClick={onCancel}>
          {t('ack.cancel')}
        </button>
      </div>
    </form>
  );
}
