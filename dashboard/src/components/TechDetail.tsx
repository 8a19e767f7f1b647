import { t } from '../i18n';
import './tech-detail.css';

/**
 * The raw technical text behind a reason ("ONVIF: 401 Unauthorized…"), folded away: villagers read the
 * translated reason, commune IT opens this with one tap.
 */
export function TechDetail({ text, testId }: { text: string; testId?: string }) {
  return (
    <details class="tech-detail" data-testid={testId}>
      <summary>{t('reason.technical')}</summary>
      <code lang="en">{text}</code>
    </details>
  );
}
