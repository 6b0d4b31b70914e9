/**
 * 客户端管理: 自动导入客户端申请 (apply; the transport settings shown once), the enterprise's
 * clients with their device binding, 解除设备绑定 and 停用.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { post, errorText } from '../api/client.js';
import type { AppliedClient, Client, ClientLive, ClientWithLive } from '../api/types.js';
import { useCardStep } from '../components/CardStep.js';
import { useList } from '../components/hooks.js';
import { DeliveryCharts } from '../components/DeliveryCharts.js';
import {
  CopyButton,
  DataTable,
  Field,
  Notice,
  Panel,
  StatusTag,
  type Column,
  ResultNotice,
  RefreshButton,
  SubmitRow,
} from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import { ClientApplyForm } from '@osw/messages/forms';
import { chinaTime, formProblems } from '../rules.js';
import { RegionChangePanel } from './RegionChanges.js';

type Transport = 'rabbitmq' | 'https' | 'ibmmq';

/** how often 客户端管理 fetches the clients' live status again */
const LIVE_REFRESH_MS = 5_000;

/** 运行状态: 在线/离线 (or 未知 without the broker's management API), 积压 N, 推送已暂停. */
function LiveStatus({ live }: { live: ClientLive }) {
  const { t } = useI18n();
  const seen = live.lastSeenAt ? t('cl.lastSeen', { at: chinaTime(live.lastSeenAt) }) : undefined;
  return (
    <span
      className="live"
      data-testid="client-live"
      data-connected={String(live.connected)}
      data-backlog={live.backlog}
      data-suspended={String(live.suspended)}
    >
      <span className={`tag ${live.connected ? 'live-on' : 'live-off'}`} title={seen}>
        {live.connected === null ? t('cl.liveUnknown') : live.connected ? t('cl.online') : t('cl.offline')}
      </span>{' '}
      <span className={`tag${live.backlog ? ' tag-pending' : ''}`}>{t('cl.backlog', { n: live.backlog })}</span>
      {live.suspended && (
        <>
          {' '}
          <span className="tag tag-push-suspended" title={chinaTime(live.suspendedAt)}>
            {t('cl.suspended')}
          </span>
        </>
      )}
    </span>
  );
}

export function Clients() {
  const { t, lang } = useI18n();
  const runWithCard = useCardStep();
  const [region, setRegion] = useState('5300');
  const [transport, setTransport] = useState<Transport>('https');
  const [environment, setEnvironment] = useState<'test' | 'prod'>('test');
  const [touched, setTouched] = useState(false);
  const [applied, setApplied] = useState<AppliedClient | null>(null);
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const list = useList<ClientWithLive>('/api/v1/clients', { pageSize: 200 });
  // the live status (connected, backlog, suspended) comes with the list: fetch it again every few seconds
  const { reload } = list;
  useEffect(() => {
    const h = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, LIVE_REFRESH_MS);
    return () => clearInterval(h);
  }, [reload]);

  // the shared form rules (@osw/messages/forms)
  const check = () => formProblems(ClientApplyForm, { region, version: '2.0', transport, environment }, lang);
  const regionProblem = touched ? (check().region ?? null) : null;

  async function apply(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setResult(null);
    if (Object.keys(check()).length) return;
    try {
      const r = await runWithCard({ purpose: t('cl.apply') }, (card) =>
        post<AppliedClient>('/api/v1/clients', { region, version: '2.0', transport, environment, card }),
      );
      if (!r) return;
      setApplied(r);
      setResult({ kind: 'ok', text: t('cl.applied', { id: r.clientId }) });
      await list.reload();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }

  async function act(c: ClientWithLive, what: 'unbind-device' | 'disable') {
    setResult(null);
    try {
      const r = await runWithCard(
        { anyKind: what === 'unbind-device', purpose: `${what === 'disable' ? t('cl.disable') : t('cl.unbind')} · ${c.clientId}` },
        (card) => post<Client>(`/api/v1/clients/${c.clientId}/${what}`, { card }),
      );
      if (r) setResult({ kind: 'ok', text: what === 'disable' ? t('cl.disableDone') : t('cl.unbindDone') });
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
    await list.reload();
  }

  const columns: Column<ClientWithLive>[] = [
    { key: 'clientId', title: t('col.clientId2'), render: (c) => <code>{c.clientId}</code> },
    { key: 'region', title: t('cl.region'), render: (c) => c.region },
    { key: 'version', title: t('cl.version'), render: (c) => c.version },
    { key: 'transport', title: t('cl.transport'), render: (c) => (c.transport === 'rabbitmq' ? 'RabbitMQ' : 'HTTPS') },
    { key: 'env', title: t('cl.environment'), render: (c) => t(c.environment === 'prod' ? 'cl.prod' : 'cl.test') },
    // the times in full on hover: the table fits 1280 px with the live status and the actions
    {
      key: 'device',
      title: t('cl.device'),
      render: (c) => (c.device.bound ? <span title={chinaTime(c.device.boundAt)}>{t('cl.bound')}</span> : t('cl.unbound')),
    },
    { key: 'status', title: t('col.status'), render: (c) => <StatusTag status={c.status} /> },
    { key: 'live', title: t('cl.live'), render: (c) => <LiveStatus live={c.live} /> },
    {
      key: 'createdAt',
      title: t('cl.createdAt'),
      render: (c) => <span title={chinaTime(c.createdAt)}>{chinaTime(c.createdAt).slice(0, 10)}</span>,
    },
    {
      key: 'ops',
      title: t('common.operation'),
      className: 'ops',
      render: (c) =>
        c.status === 'active' ? (
          <span className="row-actions">
            <button type="button" className="btn-link" disabled={!c.device.bound} onClick={() => void act(c, 'unbind-device')}>
              {t('cl.unbind')}
            </button>
            <button type="button" className="btn-link danger" onClick={() => void act(c, 'disable')}>
              {t('cl.disable')}
            </button>
          </span>
        ) : (
          '-'
        ),
    },
  ];

  const s = applied?.transportSettings;
  return (
    <>
      <Panel title={t('cl.apply')} testId="client-apply">
        <form onSubmit={apply} noValidate className="form-grid">
          <Field label={t('cl.region')} hint={t('cl.regionRule')} problem={regionProblem}>
            {(id) => (
              <input
                id={id}
                name="region"
                inputMode="numeric"
                maxLength={4}
                value={region}
                onChange={(e) => setRegion(e.target.value.trim())}
              />
            )}
          </Field>
          <Field label={t('cl.version')}>
            {(id) => (
              <select id={id} name="version" value="2.0" onChange={() => undefined}>
                <option value="2.0">2.0</option>
              </select>
            )}
          </Field>
          <fieldset className="field">
            <legend>{t('cl.transport')}</legend>
            <div className="radio-row">
              <label className="check">
                <input type="radio" name="transport" checked={transport === 'rabbitmq'} onChange={() => setTransport('rabbitmq')} />{' '}
                RabbitMQ
              </label>
              <label className="check">
                <input type="radio" name="transport" checked={transport === 'https'} onChange={() => setTransport('https')} /> HTTPS
              </label>
              <label className="check muted">
                <input type="radio" name="transport" checked={transport === 'ibmmq'} onChange={() => setTransport('ibmmq')} />{' '}
                {t('cl.ibmmq')}
              </label>
            </div>
          </fieldset>
          <fieldset className="field">
            <legend>{t('cl.environment')}</legend>
            <div className="radio-row">
              <label className="check">
                <input type="radio" name="environment" checked={environment === 'test'} onChange={() => setEnvironment('test')} />{' '}
                {t('cl.test')}
              </label>
              <label className="check">
                <input type="radio" name="environment" checked={environment === 'prod'} onChange={() => setEnvironment('prod')} />{' '}
                {t('cl.prod')}
              </label>
            </div>
          </fieldset>
          <SubmitRow label={t('cl.submit')} />
        </form>
        <ResultNotice result={result} />
        {s && (
          <div className="settings" data-testid="transport-settings">
            <h3>
              {t('cl.settings')} · {applied.clientId}
            </h3>
            <Notice kind="warn">{t('cl.passwordOnce')}</Notice>
            <dl>
              {(
                [
                  ['cl.endpoint', s.endpoint],
                  ['cl.user', s.user],
                  ['cl.password', s.password],
                  ['cl.sendQueue', s.sendQueue],
                  ['cl.receiveQueue', s.receiveQueue],
                  ['cl.exchange', s.exchange],
                ] as const
              )
                .filter(([, v]) => v)
                .map(([k, v]) => (
                  <div key={k} className="kv">
                    <dt>{t(k)}</dt>
                    <dd>
                      <code data-testid={`setting-${k}`}>{v}</code> <CopyButton text={v!} label={t(k)} />
                    </dd>
                  </div>
                ))}
            </dl>
          </div>
        )}
      </Panel>
      <Panel title={t('cl.list')} actions={<RefreshButton onClick={() => void list.reload()} />}>
        <Notice kind="error">{list.error}</Notice>
        <DataTable
          columns={columns}
          rows={list.data?.items ?? null}
          rowKey={(c) => c.clientId}
          loading={list.loading}
          testId="clients-table"
        />
      </Panel>
      <RegionChangePanel clients={list.data?.items ?? []} onChanged={() => void list.reload()} />
      <DeliveryCharts />
    </>
  );
}
