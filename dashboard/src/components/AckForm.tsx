import { useEffect, useRef, useState } from 'preact/hooks';
import type { AlertView } from '../../../shared/events';
import { ackAlert, ApiFailure, fetchAlert, formErrors, noteAlert } from '../api';
import { t } from '../i18n';
import { shortTime } from '../time';
import { described, Field } from './Field';

interface Props {
  alert: AlertView;
  /** The village's time zone, for "resolved at 14:10". */
  tz: string;
  /** Acknowledged (`note` false) or a note saved to the history (`note` true). */
  onDone: (alert: AlertView, note: boolean) => void;
  onCancel: () => void;
}

/**
 * The small acknowledge form: an optional note (who acknowledges is the logged-in user). If the alert resolves
 * itself (or someone else acknowledges it) while the person is typing, the form stays with what was
 * typed, says what happened, and offers to save the note to the alert's history instead.
 */
export function AckForm({ alert, tz, onDone, onCancel }: Props) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // The hub answered "already resolved" before the push arrived: the alert as it is now.
  const [overtaken, setOvertaken] = useState<AlertView | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const base = `ack-${alert.id}`;
  const noteMode = alert.status !== 'firing' || overtaken !== null;

  useEffect(() => {
    noteRef.current?.focus();
  }, []);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const text = note.trim();
    if (noteMode && !text) {
      setErrors({ note: t('ack.noteRequired') });
      noteRef.current?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const res = noteMode ? await noteAlert(alert.id, { note: text }) : await ackAlert(alert.id, text ? { note: text } : {});
      onDone(res.alert, noteMode);
    } catch (err) {
      if (!noteMode && err instanceof ApiFailure && err.status === 409) {
        // Resolved between the last push and this click? Then keep the text and offer the note instead.
        const now = await fetchAlert(alert.id).catch(() => null);
        if (now?.alert.status === 'resolved') {
          setBusy(false);
          setOvertaken(now.alert);
          return;
        }
      }
      setBusy(false);
      // The hub's codes, said at the fields; anything else above the button.
      const fields = formErrors(err, ['note']);
      const general = fields[''] ?? '';
      setErrors({ ...fields, '': general ? t(noteMode ? 'ack.noteFailed' : 'ack.failed', { message: general }) : '' });
    }
  };

  const resolvedAt = alert.resolvedAt ?? overtaken?.resolvedAt ?? null;
  const notice =
    alert.status === 'resolved' || overtaken !== null
      ? resolvedAt !== null
        ? t('ack.resolvedMeanwhile', { time: shortTime(resolvedAt, tz) })
        : t('ack.resolvedMeanwhileNow')
      : alert.status === 'acknowledged'
        ? t('ack.ackedMeanwhile', { who: alert.ackedBy ?? '?' })
        : '';
  return (
    <form class="ack-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${base}-title`} data-testid="ack-form" data-mode={noteMode ? 'note' : 'ack'} noValidate>
      <h4 id={`${base}-title`}>{noteMode ? t('ack.noteTitle') : t('ack.title')}</h4>
      <p class="ack-notice" role="status" data-testid="ack-notice">
        {noteMode ? notice : ''}
      </p>
      <Field id={`${base}-note`} label={noteMode ? t('ack.noteLabel') : t('ack.note')} error={errors.note}>
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
          {busy ? t('ack.sending') : noteMode ? t('ack.saveNote') : t('ack.submit')}
        </button>
        <button type="button" class="button" onClick={onCancel}>
          {t('ack.cancel')}
        </button>
      </div>
    </form>
  );
}
