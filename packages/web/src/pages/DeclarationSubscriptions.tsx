/** 报关单数据订阅: subscribe a client to declaration data and status receipts; the records below. */
import { useState, type FormEvent } from 'react';
import { post, errorText } from '../api/client.js';
import type { DeclarationSubscription } from '../api/types.js';
import { DeclarationSubscriptionForm } from '@osw/messages/forms';
import { useCardStep } from '../components/CardStep.js';
import { useClientQuery } from '../components/hooks.js';
import { ClientPicker } from '../components/ClientPicker.js';
import { SubscriptionRecords, type RecordsResult } from '../components/SubscriptionRecords.js';
import { Panel, StatusTag, When, type Column, ResultNotice, SubmitRow } from '../components/ui.js';
import { ValidityInput } from '../components/Validity.js';
import { declarationContent, RECEIPT_TYPES } from '../i18n/contents.js';
import { ReceiptTypeChecks } from '../components/ReceiptTypeChecks.js';
import { useI18n } from '../i18n/index.js';
import { chinaToday, formProblems, oneYearFrom } from '../rules.js';

export function DeclarationSubscriptions() {
  const { t, lang } = useI18n();
  const runWithCard = useCardStep();
  const clientQuery = useClientQuery();
  const [clientId, setClientId] = useState('');
  const [declarationData, setDeclarationData] = useState(true);
  const [receiptTypes, setReceiptTypes] = useState<string[]>([...RECEIPT_TYPES]);
  const [validUntil, setValidUntil] = useState(() => oneYearFrom(chinaToday()));
  const [touched, setTouched] = useState(false);
  const [result, setResult] = useState<RecordsResult>(null);
  const [reloadKey, setReloadKey] = useState(0);

  // the shared form rules (@osw/messages/forms), in the console's language
  const check = () => formProblems(DeclarationSubscriptionForm, { clientId, declarationData, receiptTypes, validUntil }, lang);
  const found = touched ? check() : {};
  const problems = { client: found.clientId, content: found.receiptTypes, validity: found.validUntil };

  async function subscribe(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setResult(null);
    if (Object.keys(check()).length) return;
    try {
      const r = await runWithCard({ purpose: t('sub.subscribe') }, (card) =>
        post<DeclarationSubscription>('/api/v1/subscriptions/declaration', { clientId, declarationData, receiptTypes, validUntil, card }),
      );
      if (!r) return;
      setResult({ kind: 'ok', text: t('sub.success') });
      setReloadKey((k) => k + 1);
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }

  const allReceipts = receiptTypes.length === RECEIPT_TYPES.length;
  const columns: Column<DeclarationSubscription>[] = [
    { key: 'clientId', title: t('col.clientId'), render: (s) => s.clientId },
    { key: 'cardNo', title: t('col.cardNo'), render: (s) => s.cardNo },
    { key: 'validUntil', title: t('col.validUntil'), render: (s) => <When text={s.validUntilText} /> },
    { key: 'content', title: t('col.content'), render: (s) => declarationContent(lang, s), className: 'wrap' },
    { key: 'operator', title: t('col.operator'), render: (s) => s.operatorCode },
    { key: 'subscribedAt', title: t('col.subscribedAt'), render: (s) => <When text={s.subscribedAt} /> },
    { key: 'status', title: t('col.status'), render: (s) => <StatusTag status={s.status} /> },
  ];

  return (
    <>
      <Panel title={t('nav.declarationSub')} testId="declaration-form">
        <form onSubmit={subscribe} noValidate className="form-grid">
          <ClientPicker query={clientQuery} value={clientId} onChange={setClientId} problem={problems.client} />
          <fieldset className={`field${problems.content ? ' field-bad' : ''}`}>
            <legend>{t('sub.content')}</legend>
            <label className="check">
              <input
                type="checkbox"
                name="declarationData"
                checked={declarationData}
                onChange={(e) => setDeclarationData(e.target.checked)}
              />{' '}
              {t('sub.declarationData')}
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
            <ReceiptTypeChecks label={t('sub.receipts')} value={receiptTypes} onChange={setReceiptTypes} />
            {problems.content && (
              <div className="field-problem" role="alert">
                {problems.content}
              </div>
            )}
          </fieldset>
          <ValidityInput value={validUntil} onChange={setValidUntil} problem={problems.validity} />
          <SubmitRow label={t('sub.subscribe')} testId="subscribe" />
        </form>
        <ResultNotice result={result} />
      </Panel>
      <SubscriptionRecords
        kind="declaration"
        columns={columns}
        canChange={(s) => s.status === 'active'}
        extendable={(s) => s.validUntil}
        card={{}}
        purposeOf={(s) => s.clientId}
        statusFilter
        reloadKey={reloadKey}
        onResult={setResult}
      />
    </>
  );
}
