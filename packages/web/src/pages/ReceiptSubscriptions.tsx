/** 报关状态订阅 (互联网+海关): receipts by SMS, the app, WeChat or a client; the records below. */
import { useEffect, useState, type FormEvent } from 'react';
import { post, errorText } from '../api/client.js';
import type { ReceiptSubscription, VerificationCodeSent } from '../api/types.js';
import { ClientPicker } from '../components/ClientPicker.js';
import { PhoneForm, ReceiptSubscriptionForm } from '@osw/messages/forms';
import { useClientQuery } from '../components/hooks.js';
import { SubscriptionRecords, type RecordsResult } from '../components/SubscriptionRecords.js';
import { Field, Notice, Panel, StatusTag, When, type Column, ResultNotice, SubmitRow } from '../components/ui.js';
import { receiptContent } from '../i18n/contents.js';
import { useI18n } from '../i18n/index.js';
import { chinaToday, formProblems, oneYearFrom } from '../rules.js';
import { ValidityInput } from '../components/Validity.js';
import { RECEIPT_TYPES } from '../i18n/contents.js';
import { ReceiptTypeChecks } from '../components/ReceiptTypeChecks.js';

type Method = ReceiptSubscription['pushMethod'];
type Mode = ReceiptSubscription['mode'];
const METHODS: Method[] = ['sms', 'app', 'wechat', 'client'];
const MODES: { mode: Mode; key: 'rs.byDocument' | 'rs.byEnterprise' | 'rs.byOperator' }[] = [
  { mode: 'document', key: 'rs.byDocument' },
  { mode: 'enterprise', key: 'rs.byEnterprise' },
  { mode: 'operator', key: 'rs.byOperator' },
];

export function ReceiptSubscriptions() {
  const { t, lang } = useI18n();
  const clientQuery = useClientQuery();
  const [pushMethod, setPushMethod] = useState<Method>('sms');
  const [mode, setMode] = useState<Mode>('document');
  const [documentNo, setDocumentNo] = useState('');
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [clientId, setClientId] = useState('');
  const [operatorCardNo, setOperatorCardNo] = useState('');
  const [receiptTypes, setReceiptTypes] = useState<string[]>([...RECEIPT_TYPES]);
  const [validUntil, setValidUntil] = useState(() => oneYearFrom(chinaToday()));
  const [touched, setTouched] = useState(false);
  const [codeInfo, setCodeInfo] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [wait, setWait] = useState(0);
  const [result, setResult] = useState<RecordsResult>(null);
  const [reloadKey, setReloadKey] = useState(0);

  useEffect(() => {
    if (wait <= 0) return;
    const h = setTimeout(() => setWait(wait - 1), 1000);
    return () => clearTimeout(h);
  }, [wait]);

  const body = {
    pushMethod,
    mode,
    documentNo: mode === 'document' ? documentNo.trim() : undefined,
    phone: pushMethod === 'sms' ? phone : undefined,
    verificationCode: pushMethod === 'sms' ? code.trim() : undefined,
    clientId: pushMethod === 'client' ? clientId : undefined,
    operatorCardNo: pushMethod === 'client' ? operatorCardNo : undefined,
    receiptTypes: pushMethod === 'client' ? receiptTypes : undefined,
    validUntil: pushMethod === 'client' ? validUntil : undefined,
  };
  // the shared form rules (@osw/messages/forms), in the console's language
  const check = () => formProblems(ReceiptSubscriptionForm, body, lang);
  const found = touched ? check() : {};
  const problems = {
    phone: found.phone,
    code: found.verificationCode,
    client: found.clientId,
    card: found.operatorCardNo,
    document: found.documentNo,
    types: found.receiptTypes,
    validity: found.validUntil,
  };

  async function getCode() {
    setCodeInfo(null);
    const bad = formProblems(PhoneForm, { phone }, lang).phone;
    if (bad) {
      setCodeInfo({ kind: 'error', text: bad });
      return;
    }
    try {
      const r = await post<VerificationCodeSent>('/api/v1/sms/verification-codes', { phone });
      const sent = t('rs.codeSent', { phone: r.phone });
      // the sandbox sends no SMS: the platform answers the code to whoever asked for it
      setCodeInfo({ kind: 'ok', text: r.sandboxCode ? `${sent} ${t('rs.sandboxCode', { code: r.sandboxCode })}` : sent });
      setWait(r.resendAfterSeconds ?? 60);
    } catch (err) {
      setCodeInfo({ kind: 'error', text: errorText(err) });
    }
  }

  async function subscribe(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setResult(null);
    if (Object.keys(check()).length) return;
    try {
      await post<ReceiptSubscription>('/api/v1/subscriptions/receipt', body);
      setResult({ kind: 'ok', text: t('sub.success') });
      setCode('');
      setReloadKey((k) => k + 1);
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }
  // the manual's records: 序号 (numbered by the table), 推送方式, 订阅方式, 客户端ID, 操作员卡号, 有效期, 订阅内容,
  // 业务单据号, 录入人, 订阅日期, 状态; each pair under one heading, two lines, so that the table fits 1280 px
  const columns: Column<ReceiptSubscription>[] = [
    {
      key: 'method',
      title: `${t('rs.pushMethod')} / ${t('rs.mode')}`,
      render: (s) => (
        <>
          {t(`rs.${s.pushMethod}`)}
          <br />
          {t(MODES.find((m) => m.mode === s.mode)!.key)}
        </>
      ),
    },
    {
      key: 'client',
      title: `${t('col.clientId2')} / ${t('col.cardNo')}`,
      className: 'id',
      render: (s) =>
        s.clientId ? (
          <>
            {s.clientId}
            <br />
            {s.operatorCardNo ?? '-'}
          </>
        ) : (
          '-'
        ),
    },
    { key: 'validUntil', title: t('col.validUntil'), render: (s) => s.validUntilText ?? '-' },
    { key: 'content', title: t('col.content'), render: (s) => receiptContent(lang, s), className: 'wrap' },
    { key: 'documentNo', title: t('rs.documentNo'), render: (s) => s.documentNo ?? '-' },
    { key: 'operator', title: t('col.operator'), render: (s) => s.operatorCode },
    { key: 'subscribedAt', title: t('col.subscribedAt'), render: (s) => <When text={s.subscribedAt} /> },
    { key: 'status', title: t('col.status'), render: (s) => <StatusTag status={s.status} /> },
  ];

  return (
    <>
      <Panel title={t('nav.receiptSub')} testId="receipt-form">
        <form onSubmit={subscribe} noValidate className="form-grid">
          <fieldset className="field">
            <legend>{t('rs.pushMethod')}</legend>
            <div className="radio-row">
              {METHODS.map((m) => (
                <label key={m} className="check">
                  <input type="radio" name="pushMethod" value={m} checked={pushMethod === m} onChange={() => setPushMethod(m)} />{' '}
                  {t(`rs.${m}`)}
                </label>
              ))}
            </div>
          </fieldset>
          {pushMethod === 'sms' && (
            <>
              <Field label={t('rs.phone')} problem={problems.phone}>
                {(id) => (
                  <div className="inline">
                    <input
                      id={id}
                      name="phone"
                      inputMode="tel"
                      maxLength={11}
                      value={phone}
                      onChange={(e) => setPhone(e.target.value.trim())}
                    />
                    <button type="button" className="btn-plain" disabled={wait > 0} onClick={() => void getCode()}>
                      {wait > 0 ? t('rs.resendIn', { s: wait }) : t('rs.getCode')}
                    </button>
                  </div>
                )}
              </Field>
              {codeInfo && <Notice kind={codeInfo.kind}>{codeInfo.text}</Notice>}
              <Field label={t('rs.code')} problem={problems.code}>
                {(id) => (
                  <input
                    id={id}
                    name="verificationCode"
                    inputMode="numeric"
                    maxLength={6}
                    value={code}
                    onChange={(e) => setCode(e.target.value)}
                  />
                )}
              </Field>
            </>
          )}
          {pushMethod === 'client' && (
            <>
              <ClientPicker query={clientQuery} value={clientId} onChange={setClientId} problem={problems.client} />
              <Field label={t('rs.operatorCardNo')} problem={problems.card}>
                {(id) => (
                  <input
                    id={id}
                    name="operatorCardNo"
                    inputMode="numeric"
                    maxLength={13}
                    value={operatorCardNo}
                    onChange={(e) => setOperatorCardNo(e.target.value.trim())}
                  />
                )}
              </Field>
              <fieldset className={`field${problems.types ? ' field-bad' : ''}`}>
                <legend>{t('rs.receiptTypes')}</legend>
                <ReceiptTypeChecks label={t('rs.receiptTypes')} value={receiptTypes} onChange={setReceiptTypes} />
                <p className="field-hint">{t('rs.clientRule')}</p>
                {problems.types && (
                  <div className="field-problem" role="alert">
                    {problems.types}
                  </div>
                )}
              </fieldset>
              <ValidityInput value={validUntil} onChange={setValidUntil} problem={problems.validity} />
            </>
          )}
          <fieldset className="field">
            <legend>{t('rs.mode')}</legend>
            <div className="radio-row">
              {MODES.map((m) => (
                <label key={m.mode} className="check">
                  <input type="radio" name="mode" value={m.mode} checked={mode === m.mode} onChange={() => setMode(m.mode)} /> {t(m.key)}
                </label>
              ))}
            </div>
          </fieldset>
          {mode === 'document' && (
            <Field label={`${t('rs.declaration')} · ${t('rs.documentNo')}`} hint={t('rs.documentHint')} problem={problems.document}>
              {(id) => (
                <input id={id} name="documentNo" maxLength={32} value={documentNo} onChange={(e) => setDocumentNo(e.target.value)} />
              )}
            </Field>
          )}
          <SubmitRow label={t('sub.subscribe')} testId="subscribe" />
        </form>
        <ResultNotice result={result} />
      </Panel>
      <SubscriptionRecords
        kind="receipt"
        columns={columns}
        canChange={(s) => s.valid}
        extendable={(s) => s.validUntil ?? false}
        numbered
        card={false}
        reloadKey={reloadKey}
        onResult={setResult}
      />
    </>
  );
}
