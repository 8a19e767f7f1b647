import { useEffect, useRef, useState } from 'preact/hooks';
import type { AlertView } from '../../../shared/events';
import { alertReasonDetail, alertStart, alertText, type AlertContext } from '../alert-text';
import { can, useUser } from '../auth';
import { villageTz } from '../format';
import { t } from '../i18n';
import { formatDuration } from '../metrics';
import { shortTime } from '../time';
import { AckForm } from './AckForm';
import { AlertTimeline } from './AlertTimeline';
import { deviceHref } from './DeviceTile';
import { TechDetail } from './TechDetail';

interface Props {
  alert: AlertView;
  ctx: AlertContext;
  /** Opened from a link to this alert: show its timeline and bring it into view. */
  focused?: boolean;
  onAcked?: (alert: AlertView) => void;
  /** The acknowledge form opened (true) or closed (false): the list keeps a card whose form is open. */
  onDraft?: (alert: AlertView, open: boolean) => void;
}

/** One alert: status and severity in words and colour, the plain sentence, who acknowledged, actions. */
export function AlertCard({ alert: a, ctx, focused = false, onAcked, onDraft }: Props) {
  const user = useUser();
  const [acking, setAckingState] = useState(false);
  const [notes, setNotes] = useState(0);
  const setAcking = (open: boolean): void => {
    setAckingState(open);
    onDraft?.(a, open);
  };
  const [timeline, setTimeline] = useState(focused);
  const [announce, setAnnounce] = useState('');
  const textRef = useRef<HTMLParagraphElement>(null);
  const ackRef = useRef<HTMLButtonElement>(null);
  const cardRef = useRef<HTMLLIElement>(null);
  const tz = villageTz(ctx.villages, a.village);
  const time = (ts: number) => shortTime(ts, tz, ctx.now);
  const text = alertText(a, ctx);
  const rawReason = alertReasonDetail(a);

  useEffect(() => {
    if (!focused) return;
    setTimeline(true);
    cardRef.current?.scrollIntoView({ block: 'start' });
    textRef.current?.focus({ preventScroll: true });
  }, [focused]);

  const done = (updated: AlertView, note: boolean): void => {
    setAnnounce(t(note ? 'ack.noteSaved' : 'ack.done'));
    if (note) {
      // The card stays on the page (kept by the list) to show the note saved in its history.
      setAckingState(false);
      setNotes((n) => n + 1);
      setTimeline(true);
    } else {
      setAcking(false);
      onAcked?.(updated);
    }
    // The button is gone once acknowledged: keep the focus on this alert.
    textRef.current?.focus();
  };

  const started = alertStart(a);
  return (
    <li
      ref={cardRef}
      id={`alert-${a.id}`}
      class={`alert-card alert-${a.status} sev-${a.severity}${focused ? ' focused' : ''}`}
      data-testid={`alert-${a.id}`}
      data-status={a.status}
      data-device={a.device ?? ''}
    >
      <div class="alert-head">
        <span class={`badge status-${a.status}`}>
          <span class="dot" aria-hidden="true" />
          {t(`alertStatus.${a.status}`)}
        </span>
        <span class={`badge severity sev-${a.severity}`}>{t(`severity.${a.severity}`)}</span>
        <span class="alert-no">#{a.id}</span>
      </div>
      <p class="alert-text" ref={textRef} tabIndex={-1}>
        {text}
      </p>
      {rawReason && <TechDetail text={rawReason} testId={`alert-reason-raw-${a.id}`} />}
      {a.status === 'resolved' ? (
        <p class="alert-meta">
          {t('alert.resolved', { time: time(a.resolvedAt ?? ctx.now), duration: formatDuration(((a.resolvedAt ?? ctx.now) - started) / 1000) })}
        </p>
      ) : (
        <p class="alert-meta">{t('alert.ago', { duration: formatDuration((ctx.now - started) / 1000) })}</p>
      )}
      {a.ackedAt !== null && (
        <p class="alert-meta alert-acked" data-testid="alert-acked">
          {t('alert.acked', { who: a.ackedBy ?? '?', time: time(a.ackedAt) })}
          {a.ackNote && (
            <>
              <br />
              {t('alert.ackNote', { note: a.ackNote })}
            </>
          )}
        </p>
      )}
      {a.escalatedAt !== null && a.status === 'firing' && <p class="alert-meta">{t('alert.escalated', { time: time(a.escalatedAt) })}</p>}
      <div class="alert-actions">
        {/* Only for whoever may act in the alert's village (the hub refuses anyone else anyway). */}
        {a.status === 'firing' && !acking && can(user, 'act', a.village) && (
          <button
            type="button"
            ref={ackRef}
            class="button primary"
            aria-label={t('ack.buttonLabel', { what: text })}
            onClick={() => setAcking(true)}
          >
            {t('ack.button')}
          </button>
        )}
        <button type="button" class="button" aria-expanded={timeline} onClick={() => setTimeline((v) => !v)}>
          {t('alert.timeline')}
        </button>
        {a.device !== null && (
          <a class="button link-button" href={deviceHref(a.village, a.device)}>
            {t('alert.viewDevice')}
          </a>
        )}
      </div>
      {/* Stays open if the alert resolves while the person types: the form then saves a note. */}
      {acking && (
        <AckForm
          alert={a}
          tz={tz}
          onDone={done}
          onCancel={() => {
            setAcking(false);
            setTimeout(() => ackRef.current?.focus(), 0);
          }}
        />
      )}
      {timeline && <AlertTimeline alert={a} tz={tz} now={ctx.now} refresh={notes} />}
      <p class={notes > 0 ? 'alert-meta alert-saved' : 'visually-hidden'} role="status" data-testid="alert-announce">
        {announce}
      </p>
    </li>
  );
}
