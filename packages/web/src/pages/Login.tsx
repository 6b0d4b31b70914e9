import { useState, type FormEvent } from 'react';
import { post, saveSession, type Session, errorText } from '../api/client.js';
import { LoginForm } from '@osw/messages/forms';
import { Field, Notice, Brand } from '../components/ui.js';
import { formProblems } from '../rules.js';
import { useI18n } from '../i18n/index.js';
import { LangSwitch } from '../App.js';

export function Login({ onLogin, note }: { onLogin: (s: Session) => void; note?: string | null }) {
  const { t, lang } = useI18n();
  const [account, setAccount] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [touched, setTouched] = useState(false);
  // the shared form rules (@osw/messages/forms)
  const check = () => formProblems(LoginForm, { account, password }, lang);
  const problems = touched ? check() : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(check()).length) return;
    setBusy(true);
    setError(null);
    try {
      const s = await post<Session>('/api/v1/session', { account, password });
      saveSession(s);
      onLogin(s);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <div className="login-page">
      <header className="topbar">
        <Brand />
        <LangSwitch />
      </header>
      <main className="login-box">
        <h1>{t('login.title')}</h1>
        <form onSubmit={submit} noValidate data-testid="login-form">
          <Field label={t('login.account')} problem={problems.account}>
            {(id) => (
              <input
                id={id}
                name="account"
                autoComplete="username"
                value={account}
                onChange={(e) => setAccount(e.target.value.trim())}
                autoFocus
              />
            )}
          </Field>
          <Field label={t('login.password')} problem={problems.password}>
            {(id) => (
              <input
                id={id}
                name="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <Notice kind="error" testId="login-error">
            {error}
          </Notice>
          <Notice kind="info">{note}</Notice>
          <button type="submit" className="btn-block" disabled={busy}>
            {busy ? t('login.busy') : t('login.submit')}
          </button>
        </form>
        <p className="muted small">{t('login.hint')}</p>
      </main>
    </div>
  );
}
