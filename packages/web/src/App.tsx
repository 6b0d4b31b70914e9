/** The console's frame: the Single Window's blue top bar, the left menu, the screen. */
import { useEffect, useState, type MouseEvent, type ReactElement } from 'react';
import { loadSession, logout, whenSessionLost, type Session } from './api/client.js';
import { CardStepProvider } from './components/CardStep.js';
import { useI18n } from './i18n/index.js';
import type { MessageKey } from './i18n/messages.js';
import { Cards } from './pages/Cards.js';
import { AlertNotifications, AlertSettingsPage, useUnreadAlerts } from './pages/Alerts.js';
import { Clients } from './pages/Clients.js';
import { Dashboard } from './pages/Dashboard.js';
import { DeadLetters } from './pages/DeadLetters.js';
import { DeclarationSubscriptions } from './pages/DeclarationSubscriptions.js';
import { Login } from './pages/Login.js';
import { ManualSubscriptions } from './pages/ManualSubscriptions.js';
import { Messages } from './pages/Messages.js';
import { PushLog } from './pages/PushLog.js';
import { EventLog } from './pages/EventLog.js';
import { ReceiptSubscriptions } from './pages/ReceiptSubscriptions.js';
import { SandboxDeclarations, SandboxManuals } from './pages/Sandbox.js';
import { Webhooks } from './pages/Webhooks.js';
import { Users } from './pages/Users.js';
import { AuditLog } from './pages/AuditLog.js';
import { RegionChangeApprovals } from './pages/RegionChanges.js';
import { navigate, usePath } from './router.js';
import { Brand } from './components/ui.js';

interface Screen {
  path: string;
  label: MessageKey;
  render: (s: Session) => ReactElement;
  /** shown in the menu only to these roles (用户管理: administrators; 服务地区变更审批: the platform's operators) */
  roles?: Session['role'][];
}

const MENU: { group: MessageKey; screens: Screen[] }[] = [
  { group: 'nav.home', screens: [{ path: '/', label: 'nav.home', render: (s) => <Dashboard session={s} /> }] },
  {
    group: 'nav.subscriptions',
    screens: [
      { path: '/subscriptions/declaration', label: 'nav.declarationSub', render: () => <DeclarationSubscriptions /> },
      { path: '/subscriptions/receipt', label: 'nav.receiptSub', render: () => <ReceiptSubscriptions /> },
      { path: '/subscriptions/manual', label: 'nav.manualSub', render: () => <ManualSubscriptions /> },
    ],
  },
  {
    group: 'nav.pushes',
    screens: [
      { path: '/pushes', label: 'nav.pushLog', render: () => <PushLog /> },
      { path: '/webhooks', label: 'nav.webhooks', render: () => <Webhooks /> },
      { path: '/messages', label: 'nav.messages', render: () => <Messages /> },
      { path: '/dead-letters', label: 'nav.deadLetters', render: () => <DeadLetters /> },
      { path: '/events', label: 'nav.events', render: () => <EventLog /> },
    ],
  },
  {
    group: 'nav.clients',
    screens: [
      { path: '/clients', label: 'nav.clientApply', render: () => <Clients /> },
      { path: '/cards', label: 'nav.cards', render: () => <Cards /> },
      {
        path: '/region-changes',
        label: 'nav.regionChanges',
        render: (s) => <RegionChangeApprovals session={s} />,
        roles: ['platform'],
      },
    ],
  },
  {
    group: 'nav.admin',
    screens: [
      { path: '/users', label: 'nav.users', render: (s) => <Users session={s} />, roles: ['admin'] },
      { path: '/audit', label: 'nav.audit', render: () => <AuditLog /> },
    ],
  },
  {
    group: 'nav.alerts',
    screens: [
      { path: '/alerts', label: 'nav.alertList', render: () => <AlertNotifications /> },
      { path: '/alerts/settings', label: 'nav.alertSettings', render: () => <AlertSettingsPage /> },
    ],
  },
  {
    group: 'nav.sandbox',
    screens: [
      { path: '/sandbox/declarations', label: 'nav.sandboxDecl', render: () => <SandboxDeclarations /> },
      { path: '/sandbox/manuals', label: 'nav.sandboxManual', render: () => <SandboxManuals /> },
    ],
  },
];

const SCREENS = MENU.flatMap((g) => g.screens);

export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <button
      type="button"
      className="lang-switch"
      data-testid="lang-switch"
      lang={lang === 'zh' ? 'en' : 'zh-CN'}
      aria-label={t('lang.label')}
      onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
    >
      {t('lang.switch')}
    </button>
  );
}

function go(e: MouseEvent<HTMLAnchorElement>, path: string) {
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(path);
}

/** 告警通知: the bell in the top bar, with the enterprise's unread count; opens the notification list. */
function AlertBell() {
  const { t } = useI18n();
  const unread = useUnreadAlerts();
  return (
    <a
      href="/alerts"
      className="bell"
      data-testid="alert-bell"
      aria-label={`${t('al.bell')}${unread ? ` · ${t('al.unread', { n: unread })}` : ''}`}
      onClick={(e) => go(e, '/alerts')}
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" fill="currentColor">
        <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z" />
      </svg>
      {unread ? (
        <span className="bell-count" data-testid="alert-bell-count">
          {unread > 99 ? '99+' : unread}
        </span>
      ) : null}
    </a>
  );
}

export function App() {
  const { t } = useI18n();
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [note, setNote] = useState<string | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const path = usePath();

  useEffect(() => {
    whenSessionLost(() => {
      setNote(t('session.expired'));
      setSession(null);
    });
    return () => whenSessionLost(null);
  }, [t]);

  useEffect(() => setMenuOpen(false), [path]);

  if (!session) return <Login onLogin={(s) => (setNote(null), setSession(s))} note={note} />;

  const screen = SCREENS.find((s) => s.path === path) ?? SCREENS[0];
  // a session saved before roles were answered has none: it sees every screen and the API decides
  const menu = MENU.map((g) => ({
    ...g,
    screens: g.screens.filter((s) => !s.roles || !session.role || s.roles.includes(session.role)),
  })).filter((g) => g.screens.length > 0);
  return (
    <CardStepProvider>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="side-menu"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          ☰ <span className="sr-only">{t('nav.menu')}</span>
        </button>
        <Brand />
        <div className="topbar-right">
          <span className="who" data-testid="who">
            {session.account} · {session.enterpriseCode}
          </span>
          <AlertBell />
          <LangSwitch />
          <button
            type="button"
            className="btn-plain btn-light"
            onClick={() => {
              void logout().then(() => setSession(null));
            }}
          >
            {t('logout')}
          </button>
        </div>
      </header>
      <div className="layout">
        <nav id="side-menu" className={`side${menuOpen ? ' open' : ''}`} aria-label={t('nav.menu')}>
          {menu.map((g) => (
            <div key={g.group} className="side-group">
              {g.screens.length > 1 || g.screens[0].label !== g.group ? <div className="side-title">{t(g.group)}</div> : null}
              <ul>
                {g.screens.map((s) => (
                  <li key={s.path}>
                    <a href={s.path} aria-current={s === screen ? 'page' : undefined} onClick={(e) => go(e, s.path)}>
                      {t(s.label)}
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <main id="main" className="content" tabIndex={-1}>
          <div className="crumbs">
            {t(MENU.find((g) => g.screens.includes(screen))!.group)} {screen.path !== '/' && <>/ {t(screen.label)}</>}
          </div>
          <h1 className="screen-title">{t(screen.label)}</h1>
          {screen.render(session)}
        </main>
      </div>
    </CardStepProvider>
  );
}
