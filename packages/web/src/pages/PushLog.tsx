/**
 * 推送记录 / 重发 (重发已推送数据): the push log with filters, resend of chosen rows, resend of
 * everything matching as a background job with progress, and a row's XML and attempts. Built on
 * `GET /api/v1/pushes`, `POST /api/v1/pushes/resend`, `GET /api/v1/jobs/{id}` and `GET /api/v1/pushes/{id}`.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, get, post } from '../api/client.js';
import type { PushRecord } from '../api/types.js';
import { useList } from '../components/hooks.js';
import { DataTable, Field, Modal, Notice, Pager, Panel, type Column } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import { chinaTime } from '../rules.js';

interface Filter {
  manualNo: string;
  documentNo: string;
  clientId: string;
  from: string;
  to: string;
  status: string;
}
const EMPTY: Filter = { manualNo: '', documentNo: '', clientId: '', from: '', to: '', status: '' };

export function PushLog() {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<Set<string | number>>(new Set());
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [job, setJob] = useState<{ id: string | number; done: number; total: number; finished: boolean } | null>(null);
  const [open, setOpen] = useState<PushRecord | null>(null);
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) as Record<string, string>;
  const list = useList<PushRecord>('/api/v1/pushes', { ...query, page, pageSize: 20 });

  useEffect(() => {
    if (!job || job.finished) return;
    const h = setTimeout(async () => {
      try {
        const answer = await get<Record<string, unknown> & { job?: Record<string, unknown> }>(`/api/v1/jobs/${job.id}`);
        const j = answer.job ?? answer;
        const total = Number(j.total ?? j.matched ?? 0);
        const done = Number(j.done ?? j.processed ?? j.resent ?? 0);
        const finished = ['done', 'finished', 'completed', 'failed'].includes(String(j.status ?? j.state)) || (total > 0 && done >= total);
        setJob({ id: job.id, total, done, finished });
        if (finished) void list.reload();
      } catch (err) {
        setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
        setJob({ ...job, finished: true });
      }
    }, 500);
    return () => clearTimeout(h);
  }, [job, list]);

  function search(e: FormEvent) {
    e.preventDefault();
    setFilter(draft);
    setPage(1);
    setSelected(new Set());
  }

  async function resendSelected() {
    setResult(null);
    if (selected.size === 0) return setResult({ kind: 'error', text: t('push.selectFirst') });
    try {
      const r = await post<{ resent?: unknown[]; skipped?: { id: number; reason: string }[] }>('/api/v1/pushes/resend', { ids: [...selected] });
      const skipped = (r.skipped ?? []).map((x) => `#${x.id}: ${x.reason}`).join('; ');
      setResult({ kind: 'ok', text: t('push.resendDone', { n: r.resent?.length ?? selected.size }) + (skipped ? ` · ${skipped}` : '') });
      setSelected(new Set());
      await list.reload();
    } catch (err) {
      setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
  }

  async function resendAll() {
    setResult(null);
    try {
      const r = await post<Record<string, unknown> & { job?: { id: number; total?: number } }>('/api/v1/pushes/resend', { filter: query });
      const id = (r.job?.id ?? r.jobId ?? r.id) as string | number | undefined;
      if (id !== undefined) setJob({ id, done: 0, total: Number(r.job?.total ?? r.total ?? 0), finished: false });
      else setResult({ kind: 'ok', text: t('push.resendDone', { n: Number(r.resent ?? r.count ?? 0) }) });
    } catch (err) {
      setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
  }

  const rows = list.data?.items ?? null;
  const allChecked = !!rows?.length && rows.every((r) => selected.has(r.id));
  const statusText = (s?: string) => (s && ['pending', 'delivered', 'failed', 'suspended'].includes(s) ? t(`push.${s as 'pending'}`) : (s ?? '-'));
  const columns: Column<PushRecord>[] = [
    {
      key: 'check',
      title: <input type="checkbox" aria-label="select all" checked={allChecked} onChange={(e) => setSelected(e.target.checked ? new Set(rows?.map((r) => r.id)) : new Set())} />,
      render: (r) => (
        <input
          type="checkbox"
          aria-label={`select ${r.messageId ?? r.id}`}
          checked={selected.has(r.id)}
          onClick={(e) => e.stopPropagation()}
          onChange={(e) => {
            const next = new Set(selected);
            if (e.target.checked) next.add(r.id);
            else next.delete(r.id);
            setSelected(next);
          }}
        />
      ),
    },
    { key: 'messageId', title: t('push.messageId'), render: (r) => <code>{r.messageId ?? r.id}</code> },
    { key: 'doc', title: `${t('push.manualNo')} / ${t('push.documentNo')}`, render: (r) => r.manualNo ?? r.documentNo ?? '-' },
    { key: 'client', title: t('push.client'), render: (r) => r.clientId ?? '-' },
    { key: 'status', title: t('push.status'), render: (r) => <span className={`tag tag-push-${r.status}`}>{r.statusText ?? statusText(r.status)}</span> },
    { key: 'sentAt', title: t('push.sentAt'), render: (r) => chinaTime(r.sentAt ?? r.deliveredAt ?? r.createdAt) },
    { key: 'resent', title: t('push.resentFlag'), render: (r) => (r.resent || r.resentAt ? t('common.yes') : t('common.no')) },
    { key: 'resentAt', title: t('push.resentAt'), render: (r) => chinaTime(r.resentAt) },
  ];
  const set = (k: keyof Filter) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });

  return (
    <>
      <Panel title={t('push.filters')}>
        <form onSubmit={search} className="form-grid filters">
          <Field label={t('push.manualNo')}>{(id) => <input id={id} value={draft.manualNo} onChange={set('manualNo')} />}</Field>
          <Field label={t('push.documentNo')}>{(id) => <input id={id} value={draft.documentNo} onChange={set('documentNo')} />}</Field>
          <Field label={t('push.client')}>{(id) => <input id={id} value={draft.clientId} onChange={set('clientId')} />}</Field>
          <Field label={t('push.from')}>{(id) => <input id={id} type="date" value={draft.from} onChange={set('from')} />}</Field>
          <Field label={t('push.to')}>{(id) => <input id={id} type="date" value={draft.to} onChange={set('to')} />}</Field>
          <Field label={t('push.status')}>
            {(id) => (
              <select id={id} value={draft.status} onChange={set('status')}>
                <option value="">{t('common.all')}</option>
                {(['pending', 'delivered', 'failed', 'suspended'] as const).map((s) => (
                  <option key={s} value={s}>
                    {t(`push.${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div className="form-actions">
            <button type="submit">{t('common.query')}</button>
            <button type="button" className="btn-plain" onClick={() => (setDraft(EMPTY), setFilter(EMPTY))}>
              {t('common.reset')}
            </button>
          </div>
        </form>
      </Panel>
      <Panel
        title={t('nav.pushLog')}
        actions={
          <>
            <button type="button" onClick={() => void resendSelected()}>
              {t('push.resend')}
            </button>
            <button type="button" className="btn-plain" disabled={!!job && !job.finished} onClick={() => void resendAll()}>
              {t('push.resendAll')}
            </button>
          </>
        }
      >
        {job && (
          <div className="progress-line">
            <label>
              {t('push.progress')} <progress max={job.total || 1} value={job.finished ? job.total || 1 : job.done} /> {job.done}/{job.total}
            </label>
          </div>
        )}
        {result && <Notice kind={result.kind}>{result.text}</Notice>}
        <Notice kind="error">{list.error}</Notice>
        <DataTable columns={columns} rows={rows} rowKey={(r) => r.id} loading={list.loading} onRowClick={setOpen} testId="push-table" />
        {list.data && <Pager page={page} pageSize={20} total={list.data.total} onPage={setPage} />}
      </Panel>
      {open && <PushDetail push={open} onClose={() => setOpen(null)} />}
    </>
  );
}

function PushDetail({ push, onClose }: { push: PushRecord; onClose: () => void }) {
  const { t } = useI18n();
  const [detail, setDetail] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<Record<string, unknown>>(`/api/v1/pushes/${push.id}`)
      .then(setDetail)
      .catch((err) => setError(err instanceof ApiError ? err.message : String(err)));
  }, [push.id]);
  const d = detail ?? (push as unknown as Record<string, unknown>);
  const log = Array.isArray(d.attemptLog) ? d.attemptLog : d.attempts;
  const attempts = Array.isArray(log) ? (log as Record<string, unknown>[]) : [];
  const payload = typeof d.payload === 'string' ? d.payload : null;
  const shown = payload !== null && d.payloadType === 'json' ? prettyJson(payload) : payload;
  return (
    <Modal title={`${t('push.messageId')} ${push.messageId ?? push.id}`} onClose={onClose} testId="push-detail">
      <Notice kind="error">{error}</Notice>
      <h4>{t('push.attempts')}</h4>
      {attempts.length ? (
        <ol className="attempts">
          {attempts.map((a, i) => (
            <li key={i}>
              {chinaTime(String(a.at ?? a.attemptedAt ?? ''))} · {String(a.outcome ?? a.status ?? '')} {a.error ? `· ${String(a.error)}` : ''}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">{t('common.noData')}</p>
      )}
      <h4>{d.payloadType === 'xml' || !detail ? t('push.xml') : t('push.payload')}</h4>
      {detail && payload === null ? (
        <p className="muted">{t('push.payloadDropped')}</p>
      ) : (
        <pre className="xml" data-testid="push-payload" tabIndex={0} aria-label={t('push.xml')}>
          {detail ? shown : t('common.loading')}
        </pre>
      )}
    </Modal>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
