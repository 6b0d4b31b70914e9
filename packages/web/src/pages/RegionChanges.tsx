/**
 * 服务地区变更 (FAQ 一.3): on 客户端管理, the enterprise asks to move a client to another 关区 and sees
 * its requests; an operator of the platform approves or rejects them on 服务地区变更审批.
 */
import { useState, type FormEvent } from 'react';
import { post, errorText } from '../api/client.js';
import type { ClientWithLive, RegionChange, Session } from '../api/types.js';
import { useCardStep } from '../components/CardStep.js';
import { usePagedList } from '../components/hooks.js';
import {
  DialogActions,
  Field,
  Modal,
  Notice,
  PagedTable,
  Panel,
  ResultNotice,
  When,
  type Column,
  type Result,
  SubmitRow,
} from '../components/ui.js';
import { useI18n, type Translate } from '../i18n/index.js';
import { chinaTime } from '../rules.js';

const PAGE_SIZE = 20;

function StatusOf({ r }: { r: RegionChange }) {
  const { t } = useI18n();
  return <span className={`tag tag-region-${r.status}`}>{t(`rc.status.${r.status}`)}</span>;
}

/** the columns both screens share: 申请编号, 客户端, 原→新地区, 原因, 状态, 申请人/时间, 审批人/意见 */
function requestColumns(t: Translate, withEnterprise: boolean): Column<RegionChange>[] {
  return [
    { key: 'id', title: t('rc.id'), render: (r) => `#${r.id}` },
    ...(withEnterprise ? [{ key: 'enterprise', title: t('rc.enterprise'), render: (r: RegionChange) => r.enterpriseCode }] : []),
    { key: 'client', title: t('rc.client'), render: (r) => <code>{r.clientId}</code> },
    { key: 'region', title: `${t('rc.from')} → ${t('rc.to')}`, render: (r) => t('rc.region', { from: r.fromRegion, to: r.toRegion }) },
    { key: 'reason', title: t('rc.reason'), render: (r) => r.reason },
    { key: 'status', title: t('col.status'), render: (r) => <StatusOf r={r} /> },
    {
      key: 'requested',
      title: t('rc.requestedBy'),
      render: (r) => (
        <>
          {r.requestedBy}
          <br />
          <When text={chinaTime(r.requestedAt)} />
        </>
      ),
    },
    {
      key: 'decision',
      title: t('rc.decision'),
      render: (r) =>
        r.decidedBy ? (
          <span title={chinaTime(r.decidedAt)}>
            {r.decidedBy}
            {r.decisionNote ? ` · ${r.decisionNote}` : ''}
          </span>
        ) : (
          '-'
        ),
    },
  ];
}

/** On 客户端管理: the request form and the enterprise's requests. */
export function RegionChangePanel({ clients, onChanged }: { clients: ClientWithLive[]; onChanged: () => void }) {
  const { t } = useI18n();
  const runWithCard = useCardStep();
  const [clientId, setClientId] = useState('');
  const [region, setRegion] = useState('');
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<Result>(null);
  const list = usePagedList<RegionChange>('/api/v1/region-changes', {}, PAGE_SIZE);
  const active = clients.filter((c) => c.status === 'active');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    const id = clientId || active[0]?.clientId;
    if (!id) return setResult({ kind: 'error', text: t('rc.chooseClient') });
    try {
      const r = await runWithCard({ purpose: `${t('rc.title')} · ${id}` }, (card) =>
        post<RegionChange>(`/api/v1/clients/${id}/region-changes`, { region: region.trim(), reason: reason.trim(), card }),
      );
      if (!r) return;
      setResult({ kind: 'ok', text: t('rc.requested', { id: r.id }) });
      setRegion('');
      setReason('');
      await list.reload();
      onChanged();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }

  return (
    <Panel title={t('rc.title')} testId="region-change">
      <p className="muted">{t('rc.keepsId')}</p>
      <form onSubmit={submit} noValidate className="form-grid">
        <Field label={t('rc.client')}>
          {(id) => (
            <select id={id} name="clientId" value={clientId || active[0]?.clientId || ''} onChange={(e) => setClientId(e.target.value)}>
              {active.map((c) => (
                <option key={c.clientId} value={c.clientId}>
                  {c.clientId} ({c.region})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('rc.to')} hint={t('cl.regionRule')}>
          {(id) => (
            <input id={id} name="toRegion" inputMode="numeric" maxLength={4} value={region} onChange={(e) => setRegion(e.target.value)} />
          )}
        </Field>
        <Field label={t('rc.reason')}>
          {(id) => <input id={id} name="reason" maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <SubmitRow label={t('rc.submit')} />
      </form>
      <ResultNotice result={result} testId="region-result" />
      <h3 className="region-list-title">{t('rc.list')}</h3>
      <PagedTable list={list} pagerWhenOne={false} columns={requestColumns(t, false)} rowKey={(r) => r.id} testId="region-changes-table" />
    </Panel>
  );
}

/** 服务地区变更审批: for operators of the platform. */
export function RegionChangeApprovals({ session }: { session: Session }) {
  const { t } = useI18n();
  if (session.role && session.role !== 'platform') return <Notice kind="info">{t('rc.platformOnly')}</Notice>;
  return <Approvals />;
}

function Approvals() {
  const { t } = useI18n();
  const [status, setStatus] = useState<'' | RegionChange['status']>('pending');
  const [deciding, setDeciding] = useState<{ r: RegionChange; approve: boolean } | null>(null);
  const [result, setResult] = useState<Result>(null);
  const list = usePagedList<RegionChange>('/api/v1/region-changes', { status: status || undefined }, PAGE_SIZE);
  const { setPage } = list;
  const columns: Column<RegionChange>[] = [
    ...requestColumns(t, true),
    {
      key: 'ops',
      title: t('common.operation'),
      className: 'ops',
      render: (r) =>
        r.status === 'pending' ? (
          <span className="row-actions">
            <button type="button" className="btn-link" onClick={() => setDeciding({ r, approve: true })}>
              {t('rc.approve')}
            </button>
            <button type="button" className="btn-link danger" onClick={() => setDeciding({ r, approve: false })}>
              {t('rc.reject')}
            </button>
          </span>
        ) : (
          '-'
        ),
    },
  ];
  return (
    <>
      <Panel
        title={t('rc.list')}
        actions={
          <label>
            {t('col.status')}{' '}
            <select name="status" value={status} onChange={(e) => (setStatus(e.target.value as typeof status), setPage(1))}>
              <option value="">{t('common.all')}</option>
              {(['pending', 'approved', 'rejected'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`rc.status.${s}`)}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <p className="muted">{t('rc.keepsId')}</p>
        <ResultNotice result={result} />
        <PagedTable list={list} columns={columns} rowKey={(r) => r.id} testId="region-approvals-table" />
      </Panel>
      {deciding && (
        <Decide
          {...deciding}
          onClose={() => setDeciding(null)}
          onDone={(r) => {
            setDeciding(null);
            setResult({
              kind: 'ok',
              text:
                r.status === 'approved'
                  ? t('rc.approvedDone', { id: r.id, clientId: r.clientId, region: r.toRegion })
                  : t('rc.rejectedDone', { id: r.id }),
            });
            void list.reload();
          }}
        />
      )}
    </>
  );
}

function Decide({
  r,
  approve,
  onClose,
  onDone,
}: {
  r: RegionChange;
  approve: boolean;
  onClose: () => void;
  onDone: (r: RegionChange) => void;
}) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      onDone(
        await post<RegionChange>(
          `/api/v1/region-changes/${r.id}/${approve ? 'approve' : 'reject'}`,
          note.trim() ? { note: note.trim() } : {},
        ),
      );
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <Modal
      title={t('rc.decideTitle', { what: t(approve ? 'rc.approve' : 'rc.reject'), id: r.id })}
      onClose={onClose}
      testId="region-decide"
    >
      <p>
        <code>{r.clientId}</code> · {r.enterpriseCode} · {t('rc.region', { from: r.fromRegion, to: r.toRegion })} · {r.reason}
      </p>
      <form onSubmit={submit}>
        <Field label={t('rc.note')}>
          {(id) => <input id={id} maxLength={200} value={note} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <Notice kind="error">{error}</Notice>
        <DialogActions onCancel={onClose} />
      </form>
    </Modal>
  );
}
