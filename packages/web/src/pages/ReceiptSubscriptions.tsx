/** 报关状态订阅 (互联网+海关): receipts by SMS, the app, WeChat or a client; the records below. */
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, post } from '../api/client.js';
import type { ReceiptSubscription } from '../api/types.js';
import { ClientPicker } from '../components/ClientPicker.js';
import { useClientQuery, useList } from '../components/hooks.js';
import { DataTable, Field, Notice, Pager, Panel, StatusTag, type Column } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import { CARD_NO, PHONE } from '../rules.js';

type Method = ReceiptSubscription['pushMethod'];
type Mode = ReceiptSubscription['mode'];
const METHODS: Method[] = ['sms', 'app', 'wechat', 'client'];
const MODES: { mode: Mode; key: 'rs.byDocument' | 'rs.byEnterprise' | 'rs.byOperator' }[] = [
  { mode: 'document', key: 'rs.byDocument' },
  { mode: 'enterprise', key: 'rs.byEnterprise' },
  { mode: 'operator', key: 'rs.byOperator' },
];

export function ReceiptSubscriptions() {
  const { t } = useI18n();
  const clientQuery = useClientQuery();
  const [pushMethod, setPushMethod] = useState<Method>('sms');
  const [mode, setMode] = useState<Mode>('document');
  const [documentNo, setDocumentNo] = useState('');
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [clientId, setClientId] = useState('');
  const [operatorCardNo, setOperatorCardNo] = useState('');
  const [touched, setTouched] = useState(false);
  const [codeInfo, setCodeInfo] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [wait, setWait] = useState(0);
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [page, setPage] = useState(1);
  const list = useList<ReceiptSubscription>('/api/v1/subscriptions/receipt', { page, pageSize: 10 });

  useEffect(() => {
    if (wait <= 0) return;
    const h = setTimeout(() => setWait(wait - 1), 1000);
    return () => clearTimeout(h);
  }, [wait]);

  const problems = {
    phone: touched && pushMethod === 'sms' && !PHONE.test(phone) ? t('rs.phoneRule') : null,
    code: touched && pushMethod === 'sms' && !code ? t('common.required', { f: t('rs.code') }) : null,
    client: touched && pushMethod === 'client' && !clientId ? t('sub.clientRequired') : null,
    card: touched && pushMethod === 'client' && !CARD_NO.test(operatorCardNo) ? t('card.cardNoRule') : null,
    document: touched && mode === 'document' && !documentNo.trim() ? t('common.required', { f: t('rs.documentNo') }) : null,
  };

  async function getCode() {
    setCodeInfo(null);
    if (!PHONE.test(phone)) {
      setCodeInfo({ kind: 'error', text: t('rs.phoneRule') });
      return;
    }
    try {
      const r = await post<{ phone: string; resendAfterSeconds: number }>('/api/v1/sms/verification-codes', { phone });
      setCodeInfo({ kind: 'ok', text: t('rs.codeSent', { phone: r.phone }) });
      setWait(r.resendAfterSeconds ?? 60);
    } catch (err) {
      setCodeInfo({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
  }

  async function subscribe(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setResult(null);
    if (Object.values({ ...problems, ...recheck() }).some(Boolean)) return;
    try {
      await post<ReceiptSubscription>('/api/v1/subscriptions/receipt', {
        pushMethod,
        mode,
        documentNo: mode === 'document' ? documentNo.trim() : undefined,
        phone: pushMethod === 'sms' ? phone : undefined,
        verificationCode: pushMethod === 'sms' ? code.trim() : undefined,
        clientId: pushMethod === 'client' ? clientId : undefined,
        operatorCardNo: pushMethod === 'client' ? operatorCardNo : undefined,
      });
      setResult({ kind: 'ok', text: t('sub.success') });
      setCode('');
      setPage(1);
      await list.reload();
    } catch (err) {
      setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
  }
  // the same checks without waiting for a render after setTouched
  function recheck() {
    return {
      phone: pushMethod === 'sms' && !PHONE.test(phone),
      code: pushMethod === 'sms' && !code,
      client: pushMethod === 'client' && !clientId,
      card: pushMethod === 'client' && !CARD_NO.test(operatorCardNo),
      document: mode === 'document' && !documentNo.trim(),
    };
  }

  async function cancel(s: ReceiptSubscription) {
    setResult(null);
    try {
      await post(`/api/v1/subscriptions/receipt/${s.id}/cancel`);
      setResult({ kind: 'ok', text: t('sub.cancelDone') });
    } catch (err) {
      setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
    await list.reload();
  }

  const columns: Column<ReceiptSubscription>[] = [
    { key: 'method', title: t('rs.pushMethod'), render: (s) => t(`rs.${s.pushMethod}`) },
    { key: 'mode', title: t('rs.mode'), render: (s) => s.modeText },
    { key: 'content', title: t('col.content'), render: (s) => s.content, className: 'wrap' },
    { key: 'documentNo', title: t('rs.documentNo'), render: (s) => s.documentNo ?? '-' },
    { key: 'valid', title: t('rs.valid'), render: (s) => <StatusTag status={s.valid ? 'active' : 'cancelled'} text={s.valid ? t('common.yes') : t('common.no')} /> },
    { key: 'subscribedAt', title: t('col.subscribedAt'), render: (s) => s.subscribedAt },
    {
      key: 'ops',
      title: t('common.operation'),
      render: (s) =>
        s.valid ? (
          <button type="button" className="btn-link" onClick={() => void cancel(s)}>
            {t('sub.cancelSub')}
          </button>
        ) : (
          '-'
        ),
    },
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
                  <input type="radio" name="pushMethod" value={m} checked={pushMethod === m} onChange={() => setPushMethod(m)} /> {t(`rs.${m}`)}
                </label>
              ))}
            </div>
          </fieldset>
          {pushMethod === 'sms' && (
            <>
              <Field label={t('rs.phone')} problem={problems.phone}>
                {(id) => (
                  <div className="inline">
                    <input id={id} name="phone" inputMode="tel" maxLength={11} value={phone} onChange={(e) => setPhone(e.target.value.trim())} />
                    <button type="button" className="btn-plain" disabled={wait > 0} onClick={() => void getCode()}>
                      {wait > 0 ? t('rs.resendIn', { s: wait }) : t('rs.getCode')}
                    </button>
                  </div>
                )}
              </Field>
              {codeInfo && <Notice kind={codeInfo.kind}>{codeInfo.text}</Notice>}
              <Field label={t('rs.code')} problem={problems.code}>
                {(id) => <input id={id} name="verificationCode" inputMode="numeric" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} />}
              </Field>
            </>
          )}
          {pushMethod === 'client' && (
            <>
              <ClientPicker query={clientQuery} value={clientId} onChange={setClientId} problem={problems.client} />
              <Field label={t('rs.operatorCardNo')} problem={problems.card}>
                {(id) => <input id={id} name="operatorCardNo" inputMode="numeric" maxLength={13} value={operatorCardNo} onChange={(e) => setOperatorCardNo(e.target.value.trim())} />}
              </Field>
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
              {(id) => <input id={id} name="documentNo" maxLength={32} value={documentNo} onChange={(e) => setDocumentNo(e.target.value)} />}
            </Field>
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
    </>
  );
}
