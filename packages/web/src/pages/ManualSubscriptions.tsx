/** 加工贸易账册数据订阅: stock (存量) and incremental (增量) subscriptions to a processing-trade manual. */
import { useCallback, useState, type FormEvent } from 'react';
import { post, errorText } from '../api/client.js';
import type { ManualSubscription } from '../api/types.js';
import { ManualSubscriptionForm } from '@osw/messages/forms';
import { useCardStep } from '../components/CardStep.js';
import { ClientPicker } from '../components/ClientPicker.js';
import { useClientQuery } from '../components/hooks.js';
import { SubscriptionRecords, type RecordsResult } from '../components/SubscriptionRecords.js';
import { Field, Panel, StatusTag, When, type Column, ResultNotice, SubmitRow } from '../components/ui.js';
import { ValidityInput } from '../components/Validity.js';
import { manualContent } from '../i18n/contents.js';
import { useI18n } from '../i18n/index.js';
import { chinaToday, formProblems, oneYearFrom } from '../rules.js';

type Kind = ManualSubscription['kind'];

export function ManualSubscriptions() {
  const { t, lang } = useI18n();
  const runWithCard = useCardStep();
  const clientQuery = useClientQuery();
  const [kind, setKind] = useState<Kind>('stock');
  const [clientId, setClientId] = useState('');
  const [manualNo, setManualNo] = useState('');
  const [img, setImg] = useState(true);
  const [exg, setExg] = useState(true);
  const [imgRange, setImgRange] = useState('');
  const [exgRange, setExgRange] = useState('');
  const [validUntil, setValidUntil] = useState(() => oneYearFrom(chinaToday()));
  const [touched, setTouched] = useState(false);
  const [result, setResult] = useState<RecordsResult>(null);
  const [reloadKey, setReloadKey] = useState(0);

  const pushTypes = [...(img ? ['img' as const] : []), ...(exg ? ['exg' as const] : [])];
  const body =
    kind === 'stock'
      ? {
          clientId,
          kind,
          manualNo,
          pushTypes,
          imgRange: img && imgRange.trim() ? imgRange.replace(/\s/g, '') : undefined,
          exgRange: exg && exgRange.trim() ? exgRange.replace(/\s/g, '') : undefined,
          validUntil,
        }
      : { clientId, kind, manualNo, validUntil };
  // the shared form rules (@osw/messages/forms), in the console's language
  const check = () => formProblems(ManualSubscriptionForm, body, lang);
  const found = touched ? check() : {};
  const problems = {
    client: found.clientId,
    manual: found.manualNo,
    pushTypes: found.pushTypes,
    img: found.imgRange,
    exg: found.exgRange,
    validity: found.validUntil,
  };

  async function subscribe(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setResult(null);
    if (Object.keys(check()).length) return;
    try {
      const r = await runWithCard({ anyKind: true, purpose: t('sub.subscribe') }, (card) =>
        post<ManualSubscription>('/api/v1/subscriptions/manual', { ...body, card }),
      );
      if (!r) return;
      setResult({ kind: 'ok', text: t('sub.success') });
      setReloadKey((k) => k + 1);
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }

  const columns: Column<ManualSubscription>[] = [
    { key: 'enterprise', title: t('col.enterprise'), render: (s) => s.enterpriseCode },
    { key: 'clientId', title: t('col.clientId2'), render: (s) => s.clientId },
    { key: 'cardNo', title: t('col.cardNo'), render: (s) => s.cardNo },
    { key: 'content', title: t('col.content'), render: (s) => manualContent(lang, s), className: 'wrap' },
    { key: 'operator', title: t('col.operator'), render: (s) => s.operatorCode },
    { key: 'validUntil', title: t('col.validUntil'), render: (s) => <When text={s.validUntilText} /> },
    { key: 'status', title: t('col.status'), render: (s) => <StatusTag status={s.status} /> },
    {
      key: 'stockPush',
      title: t('ms.progress'),
      render: (s) =>
        s.stockPush ? (
          <span data-testid="stock-progress" title={t(`ms.push.${s.stockPush.state}`)}>
            {s.stockPush.total
              ? t('ms.pushed', { pushed: s.stockPush.pushed, total: s.stockPush.total })
              : t(`ms.push.${s.stockPush.state}`)}
            {s.stockPush.state === 'done' ? ` · ${t('ms.push.done')}` : ''}
          </span>
        ) : (
          '-'
        ),
    },
  ];
  const stockUnderWay = useCallback((s: ManualSubscription) => !!s.stockPush && s.stockPush.state !== 'done', []);

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
            {(id) => (
              <input
                id={id}
                name="manualNo"
                maxLength={12}
                value={manualNo}
                onChange={(e) => setManualNo(e.target.value.trim().toUpperCase())}
              />
            )}
          </Field>
          {kind === 'stock' ? (
            <fieldset className={`field${problems.pushTypes ? ' field-bad' : ''}`}>
              <legend>{t('sub.content')}</legend>
              <div className="range-row">
                <label className="check">
                  <input type="checkbox" name="img" checked={img} onChange={(e) => setImg(e.target.checked)} /> {t('ms.img')}
                </label>
                <Field label={`${t('ms.img')} ${t('ms.range')}`} hint={t('ms.rangeHint')} problem={problems.img}>
                  {(id) => (
                    <input
                      id={id}
                      name="imgRange"
                      placeholder="1-100"
                      disabled={!img}
                      value={imgRange}
                      onChange={(e) => setImgRange(e.target.value)}
                    />
                  )}
                </Field>
              </div>
              <div className="range-row">
                <label className="check">
                  <input type="checkbox" name="exg" checked={exg} onChange={(e) => setExg(e.target.checked)} /> {t('ms.exg')}
                </label>
                <Field label={`${t('ms.exg')} ${t('ms.range')}`} hint={t('ms.rangeHint')} problem={problems.exg}>
                  {(id) => (
                    <input
                      id={id}
                      name="exgRange"
                      placeholder="1-100"
                      disabled={!exg}
                      value={exgRange}
                      onChange={(e) => setExgRange(e.target.value)}
                    />
                  )}
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
              <ValidityInput value={validUntil} onChange={setValidUntil} problem={problems.validity} />
            </fieldset>
          ) : (
            <>
              <p className="field-hint span-all">{t('ms.incrementalHint')}</p>
              <ValidityInput value={validUntil} onChange={setValidUntil} problem={problems.validity} />
            </>
          )}
          <SubmitRow label={t('sub.subscribe')} testId="subscribe" />
        </form>
        <ResultNotice result={result} />
      </Panel>
      <SubscriptionRecords
        kind="manual"
        columns={columns}
        canChange={(s) => s.kind === 'incremental' && s.status === 'active'}
        extendable={(s) => s.validUntil}
        card={{ anyKind: true }}
        reloadKey={reloadKey}
        onResult={setResult}
        changing={stockUnderWay}
      />
    </>
  );
}
