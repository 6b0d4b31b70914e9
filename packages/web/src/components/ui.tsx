/** Small building blocks shared by the screens: notices, fields, tables, the pager, copy buttons. */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useI18n, type Translate } from '../i18n/index.js';

export type NoticeKind = 'ok' | 'error' | 'info' | 'warn';

export function Notice({ kind, children, testId }: { kind: NoticeKind; children: ReactNode; testId?: string }) {
  if (children === null || children === undefined || children === '') return null;
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}

/** A label above its control, with a hint or a problem below; the control gets the id. */
export function Field({
  label,
  hint,
  problem,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  problem?: string | null;
  children: (id: string) => ReactNode;
}) {
  const id = useId();
  return (
    <div className={`field${problem ? ' field-bad' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {problem ? (
        <div className="field-problem" role="alert">
          {problem}
        </div>
      ) : hint ? (
        <div className="field-hint">{hint}</div>
      ) : null}
    </div>
  );
}

export function Panel({
  title,
  actions,
  children,
  testId,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="panel" data-testid={testId}>
      {(title || actions) && (
        <header className="panel-head">
          {title && <h2>{title}</h2>}
          {actions && <div className="panel-actions">{actions}</div>}
        </header>
      )}
      <div className="panel-body">{children}</div>
    </section>
  );
}

export interface Column<T> {
  key: string;
  title: ReactNode;
  /** `index`: the row's place on this page, from 0 */
  render: (row: T, index: number) => ReactNode;
  className?: string;
}

/**
 * A list as the manuals draw it: 序号 first (numbered on from `rowNumberFrom`, e.g. 21 on a list's
 * second page of 20; `false` where the rows carry a 序号 of their own), then the given columns.
 */
export function DataTable<T>({
  columns: given,
  rows,
  rowKey,
  loading,
  onRowClick,
  caption,
  testId,
  rowNumberFrom = 1,
}: {
  columns: Column<T>[];
  rows: T[] | null;
  rowKey: (r: T) => string | number;
  loading?: boolean;
  onRowClick?: (r: T) => void;
  caption?: string;
  testId?: string;
  rowNumberFrom?: number | false;
}) {
  const { t } = useI18n();
  const numberOf = new Map(rows?.map((r, i) => [r, i]) ?? []);
  const columns: Column<T>[] =
    rowNumberFrom === false
      ? given
      : [
          { key: 'rowNo', title: t('common.rowNo'), render: (r) => (rowNumberFrom as number) + numberOf.get(r)!, className: 'row-no' },
          ...given,
        ];
  return (
    <div className="table-wrap">
      <table className="data" data-testid={testId}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.className}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows && rows.length > 0 ? (
            rows.map((r, i) => (
              <tr key={rowKey(r)} className={onRowClick ? 'clickable' : undefined} onClick={onRowClick ? () => onRowClick(r) : undefined}>
                {columns.map((c) => (
                  <td key={c.key} className={c.className} data-col={c.key}>
                    {c.render(r, i)}
                  </td>
                ))}
              </tr>
            ))
          ) : (
            <tr>
              <td colSpan={columns.length} className="empty">
                {loading || rows === null ? t('common.loading') : t('common.noData')}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A `yyyy-MM-dd HH:mm:ss` time in a table: it may break between the day and the hour, never inside either. */
export function When({ text }: { text: string }) {
  const at = text.indexOf(' ');
  if (at < 0) return <span className="when">{text}</span>;
  return (
    <span className="when">
      <span>{text.slice(0, at)}</span> <span>{text.slice(at + 1)}</span>
    </span>
  );
}

export function Pager({ page, pageSize, total, onPage }: { page: number; pageSize: number; total: number; onPage: (p: number) => void }) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav className="pager" aria-label={t('common.pagination')}>
      <span>{t('common.total', { n: total })}</span>
      <button type="button" className="btn-plain" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('common.prev')}
      </button>
      <span>
        {t('common.page', { p: page })} / {pages}
      </span>
      <button type="button" className="btn-plain" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('common.next')}
      </button>
    </nav>
  );
}

/** A subscription's or a client's state, in the one wording the console uses for it (status.*). */
export function StatusTag({ status }: { status: 'active' | 'expired' | 'cancelled' | 'disabled' }) {
  const { t } = useI18n();
  return <span className={`tag tag-${status}`}>{t(`status.${status}`)}</span>;
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useI18n();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn-plain btn-small"
      aria-label={`${t('common.copy')} ${label ?? ''}`.trim()}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          const ta = document.createElement('textarea');
          ta.value = text;
          document.body.appendChild(ta);
          ta.select();
          document.execCommand('copy');
          ta.remove();
        }
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? t('common.copied') : t('common.copy')}
    </button>
  );
}

export function Modal({
  title,
  onClose,
  children,
  testId,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const { t } = useI18n();
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    // Esc closes the dialog wherever the focus is; the focus moves into it (unless a field took it) and back after
    const before = document.activeElement as HTMLElement | null;
    if (box.current && !box.current.contains(document.activeElement)) box.current.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      close.current();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (before && document.contains(before)) before.focus();
    };
  }, []);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={id} data-testid={testId} ref={box} tabIndex={-1}>
        <header className="modal-head">
          <h3 id={id}>{title}</h3>
          <button type="button" className="btn-icon" aria-label={t('common.close')} onClick={onClose}>
            ×
          </button>
        </header>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}

/** What an operation answered, shown under its form: done, or the platform's message. */
export type Result = { kind: 'ok' | 'error'; text: string } | null;

export function ResultNotice({ result, testId = 'result' }: { result: Result; testId?: string }) {
  return (
    result && (
      <Notice kind={result.kind} testId={testId}>
        {result.text}
      </Notice>
    )
  );
}

/** A dialog form's 确定 (submit) and 取消. */
export function DialogActions({ onCancel, busy, submitLabel }: { onCancel: () => void; busy?: boolean; submitLabel?: string }) {
  const { t } = useI18n();
  return (
    <div className="form-actions">
      <button type="submit" disabled={busy}>
        {submitLabel ?? t('common.confirm')}
      </button>
      <button type="button" className="btn-plain" onClick={onCancel}>
        {t('common.cancel')}
      </button>
    </div>
  );
}

/** 刷新 in a panel's header. */
export function RefreshButton({ onClick }: { onClick: () => void }) {
  const { t } = useI18n();
  return (
    <button type="button" className="btn-plain" onClick={onClick}>
      {t('common.refresh')}
    </button>
  );
}

/** A page of a list from the API: its error, the table numbered across pages, and the pager. */
export function PagedTable<T>({
  list,
  pagerWhenOne = true,
  ...table
}: Omit<Parameters<typeof DataTable<T>>[0], 'rows' | 'loading' | 'rowNumberFrom'> & {
  list: {
    data: { items: T[]; total: number } | null;
    error: string | null;
    loading: boolean;
    page: number;
    pageSize: number;
    setPage: (p: number) => void;
  };
  /** false: no pager while everything fits on one page */
  pagerWhenOne?: boolean;
}) {
  const { data, error, loading, page, pageSize, setPage } = list;
  return (
    <>
      <Notice kind="error">{error}</Notice>
      <DataTable {...table} rows={data?.items ?? null} loading={loading} rowNumberFrom={(page - 1) * pageSize + 1} />
      {data && (pagerWhenOne || data.total > pageSize) && <Pager page={page} pageSize={pageSize} total={data.total} onPage={setPage} />}
    </>
  );
}

/** 操作 › 查看: opens a row's details, without the row's own click firing as well. */
export function viewColumn<T>(t: Translate, onView: (r: T) => void): Column<T> {
  return {
    key: 'ops',
    title: t('common.operation'),
    className: 'ops',
    render: (r) => (
      <button
        type="button"
        className="btn-link"
        onClick={(e) => {
          e.stopPropagation();
          onView(r);
        }}
      >
        {t('common.view')}
      </button>
    ),
  };
}

/** The console's name in the top bar, on the login page and inside alike. */
export function Brand() {
  const { t } = useI18n();
  return (
    <div className="brand">
      <span className="brand-mark" aria-hidden="true" lang="zh-CN">
        单
      </span>
      <div>
        <div className="brand-title">{t('app.title')}</div>
        <div className="brand-sub">{t('app.subtitle')}</div>
      </div>
    </div>
  );
}

/** A form's one submit button, in the row under its fields. */
export function SubmitRow({ label, testId }: { label: string; testId?: string }) {
  return (
    <div className="form-actions">
      <button type="submit" data-testid={testId}>
        {label}
      </button>
    </div>
  );
}
