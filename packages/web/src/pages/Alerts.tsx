/**
 * 告警: the enterprise's notifications (the bell's list) with mark-as-read, and the settings page —
 * channels and recipients per alert kind. Built on `GET /api/v1/alerts`, `POST /api/v1/alerts/read`,
 * `GET /api/v1/alerts/settings`, `PUT /api/v1/alerts/settings/{kind}`.
 */
import { useCallback, useEffect, useState } from 'react';
import { get, post, put, errorText } from '../api/client.js';
import type { Alert, AlertList, AlertSetting, AlertSettings, List, Webhook } from '../api/types.js';
import { DataTable, Notice, Pager, Panel, When, type Column } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/messages.js';
import { chinaTime } from '../rules.js';

type Kind = Alert['kind'];
type Channel = AlertSetting['channels'][number];
const CHANNELS: Channel[] = ['console', 'sms', 'webhook', 'mail'];
const kindKey = (k: Kind) => `al.kind.${k}` as MessageKey;
const channelKey = (c: string) => `al.channel.${c}` as MessageKey;

function errText(err: unknown): string {
  return errorText(err);
}

/** Tells the bell that notifications were read (it counts again). */
export const ALERTS_READ_EVENT = 'osw-alerts-read';

/** The unread count, refreshed every 30 s and when notifications are marked read. */
export function useUnreadAlerts(): number | null {
  const [n, setN] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      get<AlertList>('/api/v1/alerts', { pageSize: 1 })
        .then((r) => live && setN(r.unread))
        .catch(() => undefined);
    void load();
    const timer = setInterval(load, 30_000);
    window.addEventListener(ALERTS_READ_EVENT, load);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener(ALERTS_READ_EVENT, load);
    };
  }, []);
  return n;
}

export function AlertNotifications() {
  const { t, lang } = useI18n();
  const [page, setPage] = useState(1);
  const [onlyUnread, setOnlyUnread] = useState(false);
  const [data, setData] = useState<AlertList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pageSize = 20;

  const load = useCallback(async () => {
    try {
      setData(await get<AlertList>('/api/v1/alerts', { page, pageSize, unread: onlyUnread ? 'true' : undefined }));
      setError(null);
    } catch (err) {
      setError(errText(err));
    }
  }, [page, onlyUnread]);
  useEffect(() => {
    void load();
  }, [load]);

  async function markRead(body: { ids: number[] } | { all: true }) {
    try {
      await post('/api/v1/alerts/read', body);
      window.dispatchEvent(new Event(ALERTS_READ_EVENT));
      await load();
    } catch (err) {
      setError(errText(err));
    }
  }

  const columns: Column<Alert>[] = [
    { key: 'firedAt', title: t('al.firedAt'), render: (a) => <When text={chinaTime(a.firedAt)} /> },
    { key: 'kind', title: t('al.kind'), render: (a) => t(kindKey(a.kind)) },
    { key: 'text', title: t('al.text'), render: (a) => (lang === 'zh' ? a.text.zh : a.text.en), className: 'wrap' },
    {
      key: 'state',
      title: t('al.state'),
      render: (a) => (a.clearedAt ? t('al.cleared', { at: chinaTime(a.clearedAt) }) : <strong>{t('al.holding')}</strong>),
    },
    {
      key: 'deliveries',
      title: t('al.deliveries'),
      render: (a) =>
        Object.entries(a.deliveries)
          .map(([c, outcome]) => `${t(channelKey(c))}: ${outcome === 'sent' ? '✓' : outcome}`)
          .join('; ') || '-',
      className: 'wrap',
    },
    {
      key: 'read',
      title: t('al.read'),
      render: (a) =>
        a.readAt ? (
          '✓'
        ) : (
          <button type="button" className="btn-link" data-testid={`alert-read-${a.id}`} onClick={() => void markRead({ ids: [a.id] })}>
            {t('al.markRead')}
          </button>
        ),
    },
  ];

  return (
    <Panel
      title={t('nav.alertList')}
      testId="alerts"
      actions={
        <>
          <label className="check">
            <input
              type="checkbox"
              checked={onlyUnread}
              onChange={(e) => {
                setPage(1);
                setOnlyUnread(e.target.checked);
              }}
            />{' '}
            {t('al.onlyUnread')}
          </label>
          <button type="button" className="btn-plain" data-testid="alerts-read-all" onClick={() => void markRead({ all: true })}>
            {t('al.markAllRead')}
          </button>
        </>
      }
    >
      <p className="muted">{t('al.hint')}</p>
      <Notice kind="error">{error}</Notice>
      {data && <p data-testid="alerts-unread">{t('al.unread', { n: data.unread })}</p>}
      <DataTable
        rows={data?.items ?? null}
        rowKey={(a) => a.id}
        columns={columns}
        testId="alerts-table"
        rowNumberFrom={(page - 1) * pageSize + 1}
      />
      {data && <Pager page={page} pageSize={pageSize} total={data.total} onPage={setPage} />}
    </Panel>
  );
}

const splitList = (v: string) =>
  v
    .split(/[,，;；\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export function AlertSettingsPage() {
  const { t } = useI18n();
  const [settings, setSettings] = useState<AlertSettings | null>(null);
  const [hooks, setHooks] = useState<Webhook[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([get<AlertSettings>('/api/v1/alerts/settings'), get<List<Webhook>>('/api/v1/webhooks')])
      .then(([s, h]) => {
        setSettings(s);
        setHooks(h.items);
      })
      .catch((err) => setError(errText(err)));
  }, []);
  if (error) return <Notice kind="error">{error}</Notice>;
  if (!settings) return <p className="muted">{t('common.loading')}</p>;
  return (
    <Panel title={t('nav.alertSettings')} testId="alert-settings">
      <p className="muted">
        {t('al.settingsHint', {
          m: settings.offlineAfterMinutes,
          s: settings.subscriptionExpiryDays.join('/'),
          c: settings.cardExpiryDays.join('/'),
        })}
      </p>
      {!settings.mailAvailable && <Notice kind="info">{t('al.noMail')}</Notice>}
      {settings.items.map((s) => (
        <KindSetting key={s.kind} setting={s} hooks={hooks} mailAvailable={settings.mailAvailable} />
      ))}
    </Panel>
  );
}

function KindSetting({ setting, hooks, mailAvailable }: { setting: AlertSetting; hooks: Webhook[]; mailAvailable: boolean }) {
  const { t } = useI18n();
  const [channels, setChannels] = useState<Channel[]>(setting.channels);
  const [phones, setPhones] = useState(setting.phones.join(', '));
  const [emails, setEmails] = useState(setting.emails.join(', '));
  const [webhookIds, setWebhookIds] = useState<number[]>(setting.webhookIds);
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const toggle = <T,>(list: T[], v: T, on: boolean) => (on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v));
  const id = `alert-setting-${setting.kind}`;

  async function save() {
    setResult(null);
    try {
      await put<AlertSetting>(`/api/v1/alerts/settings/${setting.kind}`, {
        channels,
        phones: splitList(phones),
        emails: splitList(emails),
        webhookIds,
      });
      setResult({ kind: 'ok', text: t('al.saved', { kind: t(kindKey(setting.kind)) }) });
    } catch (err) {
      setResult({ kind: 'error', text: errText(err) });
    }
  }

  return (
    <fieldset className="alert-setting" data-testid={id}>
      <legend>{t(kindKey(setting.kind))}</legend>
      <div className="alert-channels" role="group" aria-label={t('al.channels')}>
        {CHANNELS.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              data-testid={`${id}-${c}`}
              checked={channels.includes(c)}
              disabled={c === 'mail' && !mailAvailable && !channels.includes(c)}
              onChange={(e) => setChannels(toggle(channels, c, e.target.checked))}
            />{' '}
            {t(channelKey(c))}
          </label>
        ))}
      </div>
      {channels.includes('sms') && (
        <label className="alert-input">
          {t('al.phones')} <small className="muted">({t('al.listHint')})</small>
          <input value={phones} data-testid={`${id}-phones`} onChange={(e) => setPhones(e.target.value)} />
        </label>
      )}
      {channels.includes('mail') && (
        <label className="alert-input">
          {t('al.emails')} <small className="muted">({t('al.listHint')})</small>
          <input value={emails} data-testid={`${id}-emails`} onChange={(e) => setEmails(e.target.value)} />
        </label>
      )}
      {channels.includes('webhook') && (
        <div className="alert-input" role="group" aria-label={t('al.webhooks')}>
          {t('al.webhooks')}
          {hooks.length === 0 && <span className="muted"> {t('al.noWebhooks')}</span>}
          {hooks.map((h) => (
            <label key={h.id} className="check">
              <input
                type="checkbox"
                checked={webhookIds.includes(h.id)}
                onChange={(e) => setWebhookIds(toggle(webhookIds, h.id, e.target.checked))}
              />{' '}
              <code>{h.url}</code>
            </label>
          ))}
        </div>
      )}
      <div>
        <button type="button" data-testid={`${id}-save`} onClick={() => void save()}>
          {t('al.save')}
        </button>
      </div>
      {result && (
        <Notice kind={result.kind} testId={`${id}-result`}>
          {result.text}
        </Notice>
      )}
    </fieldset>
  );
}
