/**
 * The records table of a subscription screen (报关单数据订阅, 报关状态订阅, 加工贸易账册数据订阅):
 * the list with refresh and paging, an optional status filter, and 取消订阅 / 延期 on the rows that
 * allow them (with the card step where the manual asks for a card). The screen gives its columns
 * and hears the outcome through `onResult`; bumping `reloadKey` reloads from the first page.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { downloadCsv, post, errorText } from '../api/client.js';
import { useI18n } from '../i18n/index.js';
import { useCardStep } from './CardStep.js';
import { useList } from './hooks.js';
import { DataTable, Field, Notice, Pager, Panel, type Column } from './ui.js';
import { ExtendDialog } from './Validity.js';

const PAGE_SIZE = 10;

export type RecordsResult = { kind: 'ok' | 'error'; text: string } | null;

export interface SubscriptionRecordsProps<T extends { id: number }> {
  /** `/api/v1/subscriptions/{kind}` */
  kind: 'declaration' | 'receipt' | 'manual';
  columns: Column<T>[];
  /** whether a row offers 取消订阅 (and 延期 when `extendable`) */
  canChange: (s: T) => boolean;
  /** 延期 offered next to 取消订阅; the row's current `validUntil` starts the date picker */
  extendable?: (s: T) => string | false;
  /** the card step: `false` when the operation needs no card (receipt subscriptions) */
  card: false | { anyKind?: boolean };
  /** what the card dialog says the card is for, besides the operation */
  purposeOf?: (s: T) => string;
  /** the 状态 filter (生效, 已失效, 已取消) */
  statusFilter?: boolean;
  reloadKey: number;
  onResult: (r: RecordsResult) => void;
  /** a 序号 column first (the manual's records number their rows, across pages) */
  numbered?: boolean;
  /** rows still changing on their own (a stock push under way): the list refreshes every 2 s while one is shown */
  changing?: (s: T) => boolean;
}

export function SubscriptionRecords<T extends { id: number }>(p: SubscriptionRecordsProps<T>) {
  const { t } = useI18n();
  const runWithCard = useCardStep();
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  const [extending, setExtending] = useState<{ row: T; current: string } | null>(null);
  const path = `/api/v1/subscriptions/${p.kind}`;
  const list = useList<T>(path, { status: status || undefined, page, pageSize: PAGE_SIZE });

  // a new subscription: back to the first page, fetched again
  const { reload } = list;
  const seen = useRef(p.reloadKey);
  useEffect(() => {
    if (seen.current === p.reloadKey) return;
    seen.current = p.reloadKey;
    setPage(1);
    void reload();
  }, [p.reloadKey, reload]);

  // refreshed on its own while a row is still changing (e.g. a stock push's progress)
  const { changing } = p;
  const items = list.data?.items;
  useEffect(() => {
    if (!changing || !items?.some(changing)) return;
    const timer = setTimeout(() => void reload(), 2000);
    return () => clearTimeout(timer);
  }, [items, changing, reload]);

  async function change(s: T, what: 'cancel' | 'extend', day?: string) {
    setExtending(null);
    p.onResult(null);
    const body = what === 'extend' ? { validUntil: day } : {};
    const purpose = `${what === 'cancel' ? t('sub.cancelSub') : `${t('sub.extend')} → ${day}`}${p.purposeOf ? ` · ${p.purposeOf(s)}` : ''}`;
    try {
      const done =
        p.card === false
          ? await post(`${path}/${s.id}/${what}`, body)
          : await runWithCard({ anyKind: p.card.anyKind, purpose }, (card) => post(`${path}/${s.id}/${what}`, { ...body, card }));
      if (done) p.onResult({ kind: 'ok', text: what === 'cancel' ? t('sub.cancelDone') : t('sub.extendDone') });
    } catch (err) {
      p.onResult({ kind: 'error', text: errorText(err) });
    }
    await list.reload();
  }

  const operations: Column<T> = {
    key: 'ops',
    title: t('common.operation'),
    className: 'ops',
    render: (s) => {
      if (!p.canChange(s)) return '-';
      const current = p.extendable?.(s);
      return (
        <span className="row-actions">
          <button type="button" className="btn-link" aria-label={t('sub.cancelSub')} onClick={() => void change(s, 'cancel')}>
            {t('sub.cancelShort')}
          </button>
          {typeof current === 'string' && (
            <button type="button" className="btn-link" onClick={() => setExtending({ row: s, current })}>
              {t('sub.extend')}
            </button>
          )}
        </span>
      );
    },
  };

  /** 导出CSV: every record the status filter shows, not only this page */
  async function exportCsv() {
    try {
      await downloadCsv(`${path}/export`, { status: status || undefined });
    } catch (err) {
      p.onResult({ kind: 'error', text: `${t('common.exportFailed')}: ${errorText(err)}` });
    }
  }

  let actions: ReactNode = (
    <>
      <button type="button" className="btn-plain" onClick={() => void list.reload()}>
        {t('common.refresh')}
      </button>
      <button type="button" className="btn-plain" data-testid="export-csv" onClick={() => void exportCsv()}>
        {t('common.exportCsv')}
      </button>
    </>
  );
  if (p.statusFilter)
    actions = (
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
        {actions}
      </>
    );

  return (
    <>
      <Panel title={t('sub.records')} testId="records" actions={actions}>
        <Notice kind="error">{list.error}</Notice>
        <DataTable
          columns={[
            ...(p.numbered ? [{ key: 'no', title: t('col.no'), render: (_s: T, i: number) => (page - 1) * PAGE_SIZE + i + 1 }] : []),
            ...p.columns,
            operations,
          ]}
          rows={list.data?.items ?? null}
          rowKey={(s) => s.id}
          loading={list.loading}
          testId="records-table"
          rowNumberFrom={(page - 1) * PAGE_SIZE + 1}
        />
        {list.data && <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onPage={setPage} />}
      </Panel>
      {extending && (
        <ExtendDialog
          current={extending.current}
          onClose={() => setExtending(null)}
          onExtend={(d) => void change(extending.row, 'extend', d)}
        />
      )}
    </>
  );
}
