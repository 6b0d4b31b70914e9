/** 加工贸易账册数据订阅: stock (存量) and incremental (增量) subscriptions to a processing-trade manual. */
import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api/client.js';
import type { ManualSubscription } from '../api/types.js';
import { useCardStep } from '../components/CardStep.js';
import { ClientPicker } from '../components/ClientPicker.js';
import { useClientQuery, useList } from '../components/hooks.js';
import { DataTable, Field, Notice, Pager, Panel, StatusTag, type Column } from '../components/ui.js';
import { ExtendDialog, useValidityText, ValidityInput } from '../components/Validity.js';
import { useI18n } from '../i18n/index.js';
import { chinaToday, MANUAL_NO, oneYearFrom, rangeProblem } from '../rules.js';

type Kind = ManualSubscription['kind'];

export function ManualSubscriptions() {
  const { t } = useI18n();
  const runWithCard = useCardStep();
  const clientQuery = useClientQuery();
  const validityProblem = useValidityText();
  const [kind, setKind] = useState<Kind>('stock');
  const [clientId, setClientId] = useState('');
  const [manualNo, setManualNo] = useState('');
  const [img, setImg] = useState(true);
  const [exg, setExg] = useState(true);
  const [imgRange, setImgRange] = useState('');
  const [exgRange, setExgRange] = useState('');
  const [validUntil, setValidUntil] = useState(() => oneYearFrom(chinaToday()));
  const [touched, setTouched] = useState(false);
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [page, setPage] = useState(1);
  const [extending, setExtending] = useState<ManualSubscription | null>(null);
  const list = useList<ManualSubscription>('/api/v1/subscriptions/manual', { page, pageSize: 10 });

  const rangeText = (which: 'img' | 'exg', text: string) => {
    const p = rangeProblem(text);
    return p === 'format' ? t('ms.rangeRule') : p === 'tooLarge' ? t('ms.rangeTooLarge', { type: t(`ms.${which}`) }) : null;
  };
  const check = () => ({
    client: !clientId ? t('sub.clientRequired') : null,
    manual: !MANUAL_NO.test(manualNo) ? t('ms.manualRule') : null,
    pushTypes: kind === 'stock' && !img && !exg ? t('ms.pushTypeRequired') : null,
    img: kind === 'stock' && img ? rangeText('img', imgRange) : null,
    exg: kind === 'stock' && exg ? rangeText('exg', exgRange) : null,
    validity: kind === 'incremental' ? validityProblem(validUntil) : null,
  });
  const problems = touched ? check() : ({} as Partial<ReturnType<typeof check>>);

  async function subscribe(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setResult(null);
    if (Object.values(check()).some(Boolean)) return;
    const body =
      kind === 'stock'
        ? {
            clientId,
            kind,
            manualNo,
            pushTypes: [...(img ? ['img'] : []), ...(exg ? ['exg'] : [])],
            imgRange: img && imgRange.trim() ? imgRange.replace(/\s/g, '') : undefined,
            exgRange: exg && exgRange.trim() ? exgRange.replace(/\s/g, '') : undefined,
          }
        : { clientId, kind, manualNo, validUntil };
    try {
      const r = await runWithCard({ anyKind: true, purpose: t('sub.subscribe') }, (card) => post<ManualSubscription>('/api/v1/subscriptions/manual', { ...body, card }));
      if (!r) return;
      setResult({ kind: 'ok', text: t('sub.success') });
      setPage(1);
      await list.reload();
    } catch (err) {
      setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
  }

  async function act(s: ManualSubscription, what: 'cancel' | 'extend', day?: string) {
    setExtending(null);
    setResult(null);
    try {
      const r = await runWithCard({ anyKind: true, purpose: what === 'cancel' ? t('sub.cancelSub') : `${t('sub.extend')} → ${day}` }, (card) =>
        post(`/api/v1/subscriptions/manual/${s.id}/${what}`, what === 'cancel' ? { card } : { validUntil: day, card }),
      );
      if (r) setResult({ kind: 'ok', text: what === 'cancel' ? t('sub.cancelDone') : t('sub.extendDone') });
    } catch (err) {
      setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
    await list.reload();
  }

  const columns: Column<ManualSubscription>[] = [
    { key: 'enterprise', title: t('col.enterprise'), render: (s) => s.enterpriseCode },
    { key: 'clientId', title: t('col.clientId2'), render: (s) => s.clientId },
    { key: 'cardNo', title: t('col.cardNo'), render: (s) => s.cardNo },
    { key: 'content', title: t('col.content'), render: (s) => s.content, className: 'wrap' },
    { key: 'operator', title: t('col.operator'), render: (s) => s.operatorCode },
    { key: 'validUntil', title: t('col.validUntil'), render: (s) => s.validUntilText },
    { key: 'status', title: t('col.status'), render: (s) => <StatusTag status={s.status} /> },
    {
      key: 'ops',
      title: t('common.operation'),
      render: (s) =>
        s.kind === 'incremental' && s.status === 'active' ? (
          <span className="row-actions">
            <button type="button" className="btn-link" onClick={() => void act(s, 'cancel')}>
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
      <Panel title={t('nav.manualSub')} testId="manual-form">
        <form onSubmit={subscribe} noValidate className="form-grid">
          <fieldset className="field">
            <legend>{t('ms.kind')}</legend>
            <div className="radio-row">
              {(['stock', 'incremental'] as const).map((k) => (
                <label key={k} className="check">
                  <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} /> {t(`ms.${k}`)}
                </label>
              ))}
            </div>
          </fieldset>
          <ClientPicker query={clientQuery} value={clientId} onChange={setClientId} problem={problems.client} />
          <Field label={t('ms.manualNo')} hint={t('ms.manualRule')} problem={problems.manual}>
            {(id) => <input id={id} name="manualNo" maxLength={12} value={manualNo} onChange={(e) => setManualNo(e.target.value.trim().toUpperCase())} />}
          </Field>
          {kind === 'stock' ? (
            <fieldset className={`field${problems.pushTypes ? ' field-bad' : ''}`}>
              <legend>{t('sub.content')}</legend>
              <div className="range-row">
                <label className="check">
                  <input type="checkbox" name="img" checked={img} onChange={(e) => setImg(e.target.checked)} /> {t('ms.img')}
                </label>
                <Field label={`${t('ms.img')} ${t('ms.range')}`} hint={t('ms.rangeHint')} problem={problems.img}>
                  {(id) => <input id={id} name="imgRange" placeholder="1-100" disabled={!img} value={imgRange} onChange={(e) => setImgRange(e.target.value)} />}
                </Field>
              </div>
              <div className="range-row">
                <label className="check">
                  <input type="checkbox" name="exg" checked={exg} onChange={(e) => setExg(e.target.checked)} /> {t('ms.exg')}
                </label>
                <Field label={`${t('ms.exg')} ${t('ms.range')}`} hint={t('ms.rangeHint')} problem={problems.exg}>
                  {(id) => <input id={id} name="exgRange" placeholder="1-100" disabled={!exg} value={exgRange} onChange={(e) => setExgRange(e.target.value)} />}
                </Field>
              </div>
              {problems.pushTypes && (
                <div className="field-problem" role="alert">
                  {problems.pushTypes}
                </div>
              )}
              <p className="field-hint" data-testid="stock-limit">
                {t('ms.limit')}
              </p>
            </fieldset>
          ) : (
            <>
              <p className="field-hint span-all">{t('ms.incrementalHint')}</p>
              <ValidityInput value={validUntil} onChange={setValidUntil} problem={problems.validity} />
            </>
          )}
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
          <button type="button" className="btn-plain" onClick={() => void list.reload()}>
            {t('common.refresh')}
          </button>
        }
      >
        <Notice kind="error">{list.error}</Notice>
        <DataTable columns={columns} rows={list.data?.items ?? null} rowKey={(s) => s.id} loading={list.loading} testId="records-table" />
        {list.data && <Pager page={page} pageSize={10} total={list.data.total} onPage={setPage} />}
      </Panel>
      {extending && <ExtendDialog current={extending.validUntil} onClose={() => setExtending(null)} onExtend={(d) => void act(extending, 'extend', d)} />}
    </>
  );
}
