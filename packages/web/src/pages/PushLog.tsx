/**
 * 推送记录 / 重发 (重发已推送数据): the push log with filters, resend of chosen rows, resend of
 * everything matching as a background job with progress, and a row's XML and attempts. Built on
 * `GET /api/v1/pushes`, `POST /api/v1/pushes/resend`, `GET /api/v1/jobs/{id}` and `GET /api/v1/pushes/{id}`.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { downloadCsv, get, post, errorText } from '../api/client.js';
import type { Job, PushDetail as PushWithAttempts, PushRecord, ResendAnswer, ResendJobAnswer } from '../api/types.js';
import { useFilteredList } from '../components/hooks.js';
import { Field, Modal, Notice, PagedTable, Panel, When, type Column, type Result, viewColumn } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import { attemptOutcomeText } from '../i18n/contents.js';
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
const PAGE_SIZE = 20;

export function PushLog() {
  const { t } = useI18n();
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [result, setResult] = useState<Result>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [open, setOpen] = useState<PushRecord | null>(null);
  const { list, draft, query, field: set, apply, reset } = useFilteredList<PushRecord, Filter>('/api/v1/pushes', EMPTY, PAGE_SIZE);
  const { reload } = list;

  /** a bulk resend's job: its progress is shown, and once it ends, its outcome and the list again */
  const followJob = useCallback(
    (j: Job) => {
      setJob(j);
      if (j.status === 'running') return;
      setResult(
        j.status === 'done' ? { kind: 'ok', text: t('push.resendDone', { n: j.done }) } : { kind: 'error', text: j.error ?? j.status },
      );
      void reload();
    },
    [t, reload],
  );

  useEffect(() => {
    if (!job || job.status !== 'running') return;
    const h = setTimeout(async () => {
      try {
        followJob(await get<Job>(`/api/v1/jobs/${job.id}`));
      } catch (err) {
        setResult({ kind: 'error', text: errorText(err) });
        setJob({ ...job, status: 'failed' });
      }
    }, 500);
    return () => clearTimeout(h);
  }, [job, followJob]);

  function search(e: FormEvent) {
    e.preventDefault();
    apply();
    setSelected(new Set());
  }

  async function resendSelected() {
    setResult(null);
    if (selected.size === 0) return setResult({ kind: 'error', text: t('push.selectFirst') });
    try {
      const r = await post<ResendAnswer>('/api/v1/pushes/resend', { ids: [...selected] });
      const skipped = r.skipped.map((x) => `#${x.id}: ${x.reason}`).join('; ');
      setResult({ kind: 'ok', text: t('push.resendDone', { n: r.resent.length }) + (skipped ? ` · ${skipped}` : '') });
      setSelected(new Set());
      await list.reload();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }

  async function resendAll() {
    setResult(null);
    try {
      // every push matching the filter: a background job (202) whose progress is polled
      const r = await post<ResendJobAnswer>('/api/v1/pushes/resend', { filter: query });
      followJob(r.job);
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }

  /** 导出CSV: every push the filter shows (all pages, up to the platform's bound) */
  async function exportCsv() {
    setResult(null);
    try {
      await downloadCsv('/api/v1/pushes/export', query);
    } catch (err) {
      setResult({ kind: 'error', text: `${t('common.exportFailed')}: ${errorText(err)}` });
    }
  }

  const rows = list.data?.items ?? null;
  const allChecked = !!rows?.length && rows.every((r) => selected.has(r.id));
  const columns: Column<PushRecord>[] = [
    {
      key: 'check',
      title: (
        <input
          type="checkbox"
          aria-label={t('common.selectAll')}
          checked={allChecked}
          onChange={(e) => setSelected(e.target.checked ? new Set(rows?.map((r) => r.id)) : new Set())}
        />
      ),
      render: (r) => (
        <input
          type="checkbox"
          aria-label={t('common.select', { what: r.messageId })}
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
    { key: 'messageId', title: t('push.messageId'), render: (r) => <code>{r.messageId}</code>, className: 'id' },
    { key: 'doc', title: `${t('push.manualNo')} / ${t('push.documentNo')}`, render: (r) => r.manualNo ?? r.documentNo ?? '-' },
    { key: 'client', title: t('push.client'), render: (r) => r.clientId ?? '-' },
    {
      key: 'status',
      // the client's word on the latest delivery under the state: 已写入, or a redelivery it dropped
      title: `${t('push.status')} / ${t('push.clientOutcome')}`,
      render: (r) => (
        <>
          <span className={`tag tag-push-${r.status}`}>{t(`push.${r.status}`)}</span>
          {r.clientOutcome && (
            <>
              <br />
              <span className={`tag tag-outcome-${r.clientOutcome}`}>{t(`push.outcome.${r.clientOutcome}`)}</span>
            </>
          )}
        </>
      ),
    },
    { key: 'sentAt', title: t('push.sentAt'), render: (r) => <When text={chinaTime(r.deliveredAt)} /> },
    { key: 'resent', title: t('push.resentFlag'), render: (r) => (r.resent ? t('push.resentYes') : t('push.resentNo')) },
    { key: 'resentAt', title: t('push.resentAt'), render: (r) => <When text={chinaTime(r.resentAt)} /> },
    viewColumn(t, setOpen),
  ];

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
            <button type="button" className="btn-plain" onClick={reset}>
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
            <button type="button" className="btn-plain" disabled={job?.status === 'running'} onClick={() => void resendAll()}>
              {t('push.resendAll')}
            </button>
            <button type="button" className="btn-plain" data-testid="export-csv" onClick={() => void exportCsv()}>
              {t('common.exportCsv')}
            </button>
          </>
        }
      >
        {job && (
          <div className="progress-line">
            <label>
              {t('push.progress')}{' '}
              <progress max={job.total || 1} value={job.status === 'running' ? job.done + job.skipped : job.total || 1} /> {job.done}/
              {job.total}
            </label>
          </div>
        )}
        <p className="muted">{t('push.resendHint')}</p>
        {result && <Notice kind={result.kind}>{result.text}</Notice>}
        <PagedTable list={list} columns={columns} rowKey={(r) => r.id} onRowClick={setOpen} testId="push-table" />
      </Panel>
      {open && <PushDetail push={open} onClose={() => setOpen(null)} />}
    </>
  );
}

function PushDetail({ push, onClose }: { push: PushRecord; onClose: () => void }) {
  const { t } = useI18n();
  const [detail, setDetail] = useState<PushWithAttempts | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<PushWithAttempts>(`/api/v1/pushes/${push.id}`)
      .then(setDetail)
      .catch((err) => setError(errorText(err)));
  }, [push.id]);
  const attempts = detail?.attemptLog ?? [];
  const payload = detail?.payload ?? null;
  const shown = payload !== null && detail?.payloadType === 'json' ? prettyJson(payload) : payload;
  return (
    <Modal title={`${t('push.messageId')} ${push.messageId}`} onClose={onClose} testId="push-detail">
      <Notice kind="error">{error}</Notice>
      <h4>{t('push.attempts')}</h4>
      {attempts.length ? (
        <ol className="attempts">
          {attempts.map((a, i) => (
            <li key={i}>
              {chinaTime(a.at)} · {attemptOutcomeText(t, a.outcome)}
              {a.clientOutcome
                ? ` · ${a.resend ? t('push.resendAttempt', { n: a.resend }) : t('push.firstDelivery')}: ${t(`push.outcome.${a.clientOutcome}`)}`
                : ''}{' '}
              {a.error ? `· ${a.error}` : ''}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">{t('common.noData')}</p>
      )}
      <h4>{!detail || detail.payloadType === 'xml' ? t('push.xml') : t('push.payload')}</h4>
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

/** an attempt's outcome as the language says it */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
