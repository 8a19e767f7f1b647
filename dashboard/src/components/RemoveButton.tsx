import { useRef, useState } from 'preact/hooks';
import { errorText } from '../api';
import { t } from '../i18n';

interface Props {
  /** Names what is removed, for screen readers ("Xóa lịch bảo trì: Camera cổng, hằng ngày 22:00–05:00"). */
  label: string;
  onRemove: () => Promise<void>;
  /** The words of the two steps; default "Xóa" / "Xóa thật chứ?". */
  action?: string;
  question?: string;
  failed?: (message: string) => string;
}

/** Remove in two steps (no browser dialog: it is easy to hit by mistake on a phone and hard to test). */
export function RemoveButton({ label, onRemove, action = t('form.remove'), question = t('form.confirmRemove'), failed = (message) => t('form.removeFailed', { message }) }: Props) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const first = useRef<HTMLButtonElement>(null);
  const yes = useRef<HTMLButtonElement>(null);

  const remove = async (): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await onRemove();
    } catch (err) {
      setError(failed(errorText(err)));
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <div class="remove">
      {confirming ? (
        <span class="remove-confirm" role="group" aria-label={label}>
          <span>{question}</span>
          <button type="button" ref={yes} class="button danger" disabled={busy} onClick={() => void remove()}>
            {action}
          </button>
          <button
            type="button"
            class="button"
            onClick={() => {
              setConfirming(false);
              setTimeout(() => first.current?.focus(), 0);
            }}
          >
            {t('form.keep')}
          </button>
        </span>
      ) : (
        <button
          type="button"
          ref={first}
          class="button"
          aria-label={label}
          onClick={() => {
            setConfirming(true);
            setTimeout(() => yes.current?.focus(), 0);
          }}
        >
          {action}
        </button>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
