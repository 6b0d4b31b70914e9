/**
 * Webhook: the enterprise's webhook endpoints — add one to a subscription (the signing secret is
 * shown once), send a signed test event, disable and enable, rotate the secret, and each endpoint's
 * delivery log. Built on `GET/POST /api/v1/webhooks` and `POST /api/v1/webhooks/{id}/{enable,disable,
 * rotate-secret,test}`, `GET /api/v1/webhooks/{id}/deliveries`.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { get, post, errorText } from '../api/client.js';
import type { List, PushRecord, Webhook, WebhookDelivery, WebhookTestResult } from '../api/types.js';
import { useList, usePagedList } from '../components/hooks.js';
import {
  CopyButton,
  DataTable,
  Field,
  Modal,
  Notice,
  PagedTable,
  Panel,
  StatusTag,
  When,
  type Column,
  DialogActions,
} from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/messages.js';
import { attemptOutcomeText } from '../i18n/contents.js';
import { chinaTime } from '../rules.js';

type Kind = Webhook['subscriptionKind'];
const KINDS: Kind[] = ['declaration', 'receipt', 'manual'];
const KIND_LABEL: Record<Kind, MessageKey> = { declaration: 'nav.declarationSub', receipt: 'nav.receiptSub', manual: 'nav.manualSub' };
/** the event types a subscription of each kind sends (docs/push.md) */
const EVENTS: Record<Kind, string> = {
  declaration: 'declaration.data, declaration.receipt',
  receipt: 'declaration.receipt',
  manual: 'manual.stock, manual.change',
};

/** one subscription as the add form offers it */
interface SubscriptionChoice {
  id: number;
  status: string;
  clientId?: string | null;
  documentNo?: string | null;
  manualNo?: string;
}

function errText(err: unknown): string {
  return errorText(err);
}

export function Webhooks() {
  const { t } = useI18n();
  const list = useList<Webhook>('/api/v1/webhooks', {});
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<{ hook: Webhook; rotated: boolean } | null>(null);
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [log, setLog] = useState<Webhook | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  async function act(hook: Webhook, what: 'enable' | 'disable' | 'rotate-secret' | 'test') {
    setResult(null);
    setBusy(hook.id);
    try {
      if (what === 'test') {
        const r = await post<WebhookTestResult>(`/api/v1/webhooks/${hook.id}/test`);
        setResult(
          r.delivered
            ? { kind: 'ok', text: t('wh.testDelivered', { status: r.status ?? '-', ms: r.durationMs }) }
            : { kind: 'error', text: t('wh.testFailed', { error: r.error ?? '-', ms: r.durationMs }) },
        );
      } else if (what === 'rotate-secret') {
        setSecret({ hook: await post<Webhook>(`/api/v1/webhooks/${hook.id}/rotate-secret`), rotated: true });
      } else {
        await post<Webhook>(`/api/v1/webhooks/${hook.id}/${what}`);
        setResult({ kind: 'ok', text: t(what === 'enable' ? 'wh.enabledDone' : 'wh.disabledDone', { url: hook.url }) });
      }
      await list.reload();
    } catch (err) {
      setResult({ kind: 'error', text: errText(err) });
    } finally {
      setBusy(null);
    }
  }

  const columns: Column<Webhook>[] = [
    { key: 'url', title: t('wh.url'), render: (h) => <code>{h.url}</code>, className: 'id' },
    {
      key: 'subscription',
      title: t('wh.subscription'),
      render: (h) => (
        <>
          {t(KIND_LABEL[h.subscriptionKind])} #{h.subscriptionId}
        </>
      ),
    },
    {
      key: 'events',
      title: t('wh.events'),
      render: (h) => <code className="events">{EVENTS[h.subscriptionKind]}</code>,
      className: 'wrap',
    },
    { key: 'secret', title: t('wh.secret'), render: (h) => <code>{h.secret}</code> },
    {
      key: 'status',
      title: t('wh.status'),
      render: (h) => (h.disabledAt ? <StatusTag status="disabled" /> : <span className="tag tag-active">{t('wh.enabled')}</span>),
    },
    { key: 'createdAt', title: t('wh.createdAt'), render: (h) => <When text={chinaTime(h.createdAt)} /> },
    {
      key: 'ops',
      title: t('common.operation'),
      className: 'ops',
      render: (h) => (
        <div className="ops-links">
          <button type="button" className="btn-link" disabled={busy === h.id} onClick={() => void act(h, 'test')}>
            {t('wh.test')}
          </button>
          {h.disabledAt ? (
            <button type="button" className="btn-link" disabled={busy === h.id} onClick={() => void act(h, 'enable')}>
              {t('wh.enable')}
            </button>
          ) : (
            <button type="button" className="btn-link danger" disabled={busy === h.id} onClick={() => void act(h, 'disable')}>
              {t('wh.disable')}
            </button>
          )}
          <button type="button" className="btn-link" disabled={busy === h.id} onClick={() => void act(h, 'rotate-secret')}>
            {t('wh.rotate')}
          </button>
          <button type="button" className="btn-link" onClick={() => setLog(h)}>
            {t('wh.deliveries')}
          </button>
        </div>
      ),
    },
  ];

  return (
    <>
      <Panel
        title={t('nav.webhooks')}
        actions={
          <>
            <button type="button" onClick={() => (setResult(null), setAdding(true))}>
              {t('wh.add')}
            </button>
            <button type="button" className="btn-plain" onClick={() => void list.reload()}>
              {t('common.refresh')}
            </button>
          </>
        }
      >
        <p className="muted">{t('wh.hint')}</p>
        {result && (
          <Notice kind={result.kind} testId="webhook-result">
            {result.text}
          </Notice>
        )}
        <Notice kind="error">{list.error}</Notice>
        <DataTable columns={columns} rows={list.data?.items ?? null} rowKey={(h) => h.id} loading={list.loading} testId="webhook-table" />
      </Panel>
      {adding && (
        <AddWebhook
          onClose={() => setAdding(false)}
          onAdded={(hook) => {
            setAdding(false);
            setSecret({ hook, rotated: false });
            void list.reload();
          }}
        />
      )}
      {secret && (
        <Modal title={t(secret.rotated ? 'wh.secretRotated' : 'wh.secretTitle')} onClose={() => setSecret(null)} testId="webhook-secret">
          <p>
            <code>{secret.hook.url}</code>
          </p>
          <p className="secret-line">
            <code data-testid="webhook-secret-value">{secret.hook.secret}</code>{' '}
            <CopyButton text={secret.hook.secret} label={t('wh.secret')} />
          </p>
          <Notice kind="warn">{t('wh.secretOnce')}</Notice>
          <div className="form-actions">
            <button type="button" onClick={() => setSecret(null)}>
              {t('wh.secretSaved')}
            </button>
          </div>
        </Modal>
      )}
      {log && <Deliveries hook={log} onClose={() => setLog(null)} />}
    </>
  );
}

function AddWebhook({ onClose, onAdded }: { onClose: () => void; onAdded: (h: Webhook) => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<Kind>('declaration');
  const [subs, setSubs] = useState<SubscriptionChoice[] | null>(null);
  const [subscriptionId, setSubscriptionId] = useState('');
  const [url, setUrl] = useState('https://');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setSubs(null);
    setSubscriptionId('');
    get<List<SubscriptionChoice>>(`/api/v1/subscriptions/${kind}`, { pageSize: 200 })
      .then((r) => {
        const live = r.items.filter((s) => s.status === 'active');
        setSubs(live);
        setSubscriptionId(live[0] ? String(live[0].id) : '');
      })
      .catch((err) => setError(errText(err)));
  }, [kind]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!subscriptionId) return setError(t('wh.noSubscription'));
    setBusy(true);
    try {
      onAdded(await post<Webhook>('/api/v1/webhooks', { subscriptionKind: kind, subscriptionId: Number(subscriptionId), url: url.trim() }));
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  }

  const what = (s: SubscriptionChoice) => s.clientId ?? s.documentNo ?? s.manualNo ?? '';
  return (
    <Modal title={t('wh.add')} onClose={onClose} testId="webhook-add">
      <form onSubmit={submit} className="form-grid">
        <Field label={t('wh.subscriptionKind')}>
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(KIND_LABEL[k])}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('wh.subscription')} hint={subs && !subs.length ? t('wh.noSubscription') : undefined}>
          {(id) => (
            <select id={id} value={subscriptionId} onChange={(e) => setSubscriptionId(e.target.value)} disabled={!subs?.length}>
              {(subs ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  #{s.id} {what(s)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('wh.url')} hint={t('wh.urlHint')}>
          {(id) => <input id={id} type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
        <Notice kind="error">{error}</Notice>
        <DialogActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  );
}

function Deliveries({ hook, onClose }: { hook: Webhook; onClose: () => void }) {
  const { t } = useI18n();
  const list = usePagedList<WebhookDelivery>(`/api/v1/webhooks/${hook.id}/deliveries`, {}, 10);
  const columns: Column<WebhookDelivery>[] = [
    { key: 'messageId', title: t('push.messageId'), render: (p) => <code>{p.messageId}</code>, className: 'id' },
    { key: 'doc', title: `${t('push.manualNo')} / ${t('push.documentNo')}`, render: (p: PushRecord) => p.manualNo ?? p.documentNo ?? '-' },
    { key: 'status', title: t('push.status'), render: (p) => <span className={`tag tag-push-${p.status}`}>{t(`push.${p.status}`)}</span> },
    { key: 'sentAt', title: t('push.sentAt'), render: (p) => <When text={chinaTime(p.deliveredAt)} /> },
    {
      key: 'attempts',
      title: t('push.attempts'),
      className: 'wrap',
      render: (p) => (
        <ol className="attempts">
          {p.attemptLog.map((a, i) => (
            <li key={i}>
              {chinaTime(a.at)} · {attemptOutcomeText(t, a.outcome)} · {a.durationMs} ms
              {a.error ? ` · ${a.error}` : ''}
            </li>
          ))}
        </ol>
      ),
    },
  ];
  return (
    <Modal title={`${t('wh.deliveries')} · ${hook.url}`} onClose={onClose} testId="webhook-deliveries">
      <PagedTable list={list} columns={columns} rowKey={(p) => p.id} testId="webhook-delivery-table" />
    </Modal>
  );
}
