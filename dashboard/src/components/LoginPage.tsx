import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, errorText } from '../api';
import { useAuth } from '../auth';
import { getLang, setLang, t } from '../i18n';
import { described, Field } from './Field';
import './login.css';

/** Why the login failed, in the interface language. */
function failure(err: unknown): string {
  if (err instanceof ApiFailure) {
    if (err.code === 'bad-login') return t('login.wrong');
    if (err.code === 'rate-limited') return t('login.limited', { minutes: Math.max(1, Math.ceil((err.retryAfterS ?? 900) / 60)) });
    if (err.status === null) return t('login.network');
  }
  return t('login.failed', { message: errorText(err) });
}

/**
 * The login page: shown when the hub says nobody is logged in, and when a session ends (then with a note
 * saying so). The address (#/…) is left as it was, so after logging in the person is back on that page.
 * Field names and `autocomplete` let a password manager fill it.
 */
export function LoginPage({ expired }: { expired: boolean }) {
  const auth = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [show, setShow] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const userRef = useRef<HTMLInputElement>(null);
  const passRef = useRef<HTMLInputElement>(null);
  const lang = getLang();

  useEffect(() => {
    document.title = `${t('login.title')} · ${t('app.name')}`;
    userRef.current?.focus();
  }, [lang]);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const missing: Record<string, string> = {};
    if (!username.trim()) missing.username = t('login.userRequired');
    if (!password) missing.password = t('login.passwordRequired');
    if (Object.keys(missing).length > 0) {
      setErrors(missing);
      (missing.username ? userRef : passRef).current?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      await auth.login(username.trim(), password);
    } catch (err) {
      setBusy(false);
      setErrors({ '': failure(err) });
      setPassword('');
      passRef.current?.focus();
    }
  };

  return (
    <div class="login-page">
      <header class="app-header login-header">
        <div class="header-row">
          <span class="brand">
            <span class="brand-name">{t('app.name')}</span>
            <span class="brand-tag">{t('app.tagline')}</span>
          </span>
          <button type="button" class="lang" aria-label={`${t('app.lang')}: ${t('app.langSwitch')}`} onClick={() => setLang(lang === 'vi' ? 'en' : 'vi')}>
            {lang === 'vi' ? 'EN' : 'VI'}
          </button>
        </div>
      </header>
      <main class="content login-main">
        <form class="login-form" method="post" action="/api/session" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="login-title" data-testid="login-form">
          <h1 id="login-title" class="page-title">
            {t('login.title')}
          </h1>
          {expired && (
            <p class="login-notice" role="status" data-testid="login-expired">
              {t('login.expired')}
            </p>
          )}
          <Field id="login-username" label={t('login.username')} error={errors.username}>
            <input
              {...described('login-username', errors.username)}
              ref={userRef}
              class="input"
              name="username"
              autocomplete="username"
              autocapitalize="none"
              autocorrect="off"
              spellcheck={false}
              maxLength={64}
              required
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          </Field>
          <Field id="login-password" label={t('login.password')} error={errors.password}>
            <div class="password-row">
              <input
                {...described('login-password', errors.password)}
                ref={passRef}
                class="input"
                // Shown as text while "Hiện" is pressed (typing a long password on a phone is error-prone).
                type={(show ? 'text' : 'password') as 'password'}
                name="password"
                autocomplete="current-password"
                maxLength={1024}
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
              <button type="button" class="small-button" aria-pressed={show} aria-controls="login-password" onClick={() => setShow((v) => !v)}>
                {show ? t('login.hide') : t('login.show')}
              </button>
            </div>
          </Field>
          <p class="form-error" role="alert" data-testid="login-error">
            {errors[''] ?? ''}
          </p>
          <button type="submit" class="button primary login-submit" disabled={busy}>
            {busy ? t('login.busy') : t('login.submit')}
          </button>
          <p class="login-help">{t('login.help')}</p>
        </form>
      </main>
    </div>
  );
}
