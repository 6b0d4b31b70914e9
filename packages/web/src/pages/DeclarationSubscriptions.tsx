/** 报关单数据订阅: subscribe a client to declaration data and status receipts; the records below. */
import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api/client.js';
import type { DeclarationSubscription } from '../api/types.js';
import { useCardStep } from '../components/CardStep.js';
import { useClientQuery, useList } from '../components/hooks.js';
import { ClientPicker } from '../components/ClientPicker.js';
import { DataTable, Field, Notice, Pager, Panel, StatusTag, type Column } from '../components/ui.js';
import { ExtendDialog, useValidityText, ValidityInput } from '../components/Validity.js';
import { useI18n } from '../i18n/index.js';
import { chinaToday, oneYearFrom } from '../rules.js';

/** The manual's receipt types (审核 and 审结 stand for the same CHANNELs J, G). */
export const RECEIPT_TYPES = ['接单', '海关入库', '审核', '查验通知', '放行', '结关', '退单'] as const;
const RECEIPT_TYPES_EN: Record<string, string> = { 接单: 'accepted', 海关入库: 'entered', 审核: 'reviewed', 查验通知: 'inspection', 放行: 'released', 结关: 'cleared', 退单: 'refused' };

export function DeclarationSubscriptions() {
  const { t, lang } = useI18n();
  const runWithCard = useCardStep();
  const clientQuery = useClientQuery();
  const validityProblem = useValidityText();
  const [clientId, setClientId] = useState('');
  const [declarationData, setDeclarationData] = useState(true);
  const [receiptTypes, setReceiptTypes] = useState<string[]>([...RECEIPT_TYPES]);
  const [validUntil, setValidUntil] = useState(() => oneYearFrom(chinaToday()));
  const [touched, setTouched] = useState(false);
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  const [extending, setExtending] = useState<DeclarationSubscription | null>(null);
  const list = useList<DeclarationSubscription>('/api/v1/subscriptions/declaration', { status: status || undefined, page, pageSize: 10 });

  const problems = {
    client: touched && !clientId ? t('sub.clientRequired') : null,
    content: touched && !declarationData && receiptTypes.length === 0 ? t('sub.contentEmpty') : null,
    validity: touched ? validityProblem(validUntil) : null,
  };

  const fail = (err: unknown) => setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });

  async function subscribe(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setResult(null);
    if (!clientId || (!declarationData && receiptTypes.length === 0) || validityProblem(validUntil)) return;
    try {
      const r = await runWithCard({ purpose: t('sub.subscribe') }, (card) =>
        post<DeclarationSubscription>('/api/v1/subscriptions/declaration', { clientId, declarationData, receiptTypes, validUntil, card }),
      );
      if (!r) return;
      setResult({ kind: 'ok', text: t('sub.success') });
      setPage(1);
      await list.reload();
    } catch (err) {
      fail(err);
    }
  }

  async function cancel(s: DeclarationSubscription) {
    setResult(null);
    try {
      const r = await runWithCard({ purpose: `${t('sub.cancelSub')} · ${s.clientId}` }, (card) => post(`/api/v1/subscriptions/declaration/${s.id}/cancel`, { card }));
      if (r) setResult({ kind: 'ok', text: t('sub.cancelDone') });
    } catch (err) {
      fail(err);
    }
    await list.reload();
  }

  async function extend(s: DeclarationSubscription, day: string) {
    setExtending(null);
    setResult(null);
    try {
      const r = await runWithCard({ purpose: `${t('sub.extend')} → ${day}` }, (card) => post(`/api/v1/subscriptions/declaration/${s.id}/extend`, { validUntil: day, card }));
      if (r) setResult({ kind: 'ok', text: t('sub.extendDone') });
    } catch (err) {
      fail(err);
    }
    await list.reload();
  }

  const allReceipts = receiptTypes.length === RECEIPT_TYPES.length;
  const columns: Column<DeclarationSubscription>[] = [
    { key: 'clientId', title: t('col.clientId'), render: (s) => s.clientId },
    { key: 'cardNo', title: t('col.cardNo'), render: (s) => s.cardNo },
    { key: 'validUntil', title: t('col.validUntil'), render: (s) => s.validUntilText },
    { key: 'content', title: t('col.content'), render: (s) => s.content, className: 'wrap' },
    { key: 'operator', title: t('col.operator'), render: (s) => s.operatorCode },
    { key: 'subscribedAt', title: t('col.subscribedAt'), render: (s) => s.subscribedAt },
    { key: 'status', title: t('col.status'), render: (s) => <StatusTag status={s.status} /> },
    {
      key: 'ops',
      title: t('common.operation'),
      render: (s) =>
        s.status === 'active' ? (
          <span className="row-actions">
            <button type="button" className="btn-link" onClick={() => void cancel(s)}>
              {t('sub.cancelSub')}
            </button>
            <button type="button" className="btn-link" onClick={() => setExtending(s)}>
              {t('sub.extend')}
            </button>
          </span>
        ) : (
          '-'
        ),
    },
  ];

  return (
    <>
      <Panel title={t('nav.declarationSub')} testId="declaration-form">
        <form onSubmit={subscribe} noValidate className="form-grid">
          <ClientPicker query={clientQuery} value={clientId} onChange={setClientId} problem={problems.client} />
          <fieldset className={`field${problems.content ? ' field-bad' : ''}`}>
            <legend>{t('sub.content')}</legend>
            <label className="check">
              <input type="checkbox" name="declarationData" checked={declarationData} onChange={(e) => setDeclarationData(e.target.checked)} /> {t('sub.declarationData')}
            </label>
            <label className="check">
              <input
                type="checkbox"
                name="receipts"
                checked={allReceipts}
                ref={(el) => {
                  if (el) el.indeterminate = receiptTypes.length > 0 && !allReceipts;
                }}
                onChange={(e) => setReceiptTypes(e.target.checked ? [...RECEIPT_TYPES] : [])}
              />{' '}
              {t('sub.receipts')}
            </label>
            <div className="check-group" role="group" aria-label={t('sub.receipts')}>
              {RECEIPT_TYPES.map((r) => (
                <label key={r} className="check">
                  <input
                    type="checkbox"
                    name={`receipt-${r}`}
                    checked={receiptTypes.includes(r)}
                    onChange={(e) => setReceiptTypes(e.target.checked ? RECEIPT_TYPES.filter((x) => x === r || receiptTypes.includes(x)) : receiptTypes.filter((x) => x !== r))}
                  />{' '}
                  {r}
                  {lang === 'en' ? ` (${RECEIPT_TYPES_EN[r]})` : ''}
                </label>
              ))}
            </div>
            {problems.content && (
              <div className="field-problem" role="alert">
                {problems.content}
              </div>
            )}
          </fieldset>
          <ValidityInput value={validUntil} onChange={setValidUntil} problem={problems.validity} />
          <div className="form-actions">
            <button type="submit" data-testid="subscribe">
              {t('sub.subscribe')}
            </button>
          </div>
        </form>
        {result && (
          <Notice kind={result.kind} testId="result">
            {result.text}
          </Notice>
        )}
      </Panel>
      <Panel
        title={t('sub.records')}
        testId="records"
        actions={
          <>
            <Field label={t('col.status')}>
              {(id) => (
                <select id={id} value={status} onChange={(e) => (setStatus(e.target.value), setPage(1))}>
                  <option value="">{t('common.all')}</option>
                  <option value="active">{t('status.active')}</option>
                  <option value="expired">{t('status.expired')}</option>
                  <option value="cancelled">{t('status.cancelled')}</option>
                </select>
              )}
            </Field>
            <button type="button" className="btn-plain" onClick={() => void list.reload()}>
              {t('common.refresh')}
            </button>
          </>
        }
      >
        <Notice kind="error">{list.error}</Notice>
        <DataTable columns={columns} rows={list.data?.items ?? null} rowKey={(s) => s.id} loading={list.loading} testId="records-table" />
        {list.data && <Pager page={page} pageSize={10} total={list.data.total} onPage={setPage} />}
      </Panel>
      {extending && <ExtendDialog current={extending.validUntil} onClose={() => setExtending(null)} onExtend={(d) => void extend(extending, d)} />}
    </>
  );
}
