/** Small building blocks shared by the screens: notices, fields, tables, the pager, copy buttons. */
import { useId, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/index.js';

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

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  loading,
  onRowClick,
  caption,
  testId,
}: {
  columns: Column<T>[];
  rows: T[] | null;
  rowKey: (r: T) => string | number;
  loading?: boolean;
  onRowClick?: (r: T) => void;
  caption?: string;
  testId?: string;
}) {
  const { t } = useI18n();
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

export function Pager({ page, pageSize, total, onPage }: { page: number; pageSize: number; total: number; onPage: (p: number) => void }) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav className="pager" aria-label="pagination">
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

export function StatusTag({ status, text }: { status: string; text?: string }) {
  const { t } = useI18n();
  const known = ['active', 'expired', 'cancelled', 'disabled'] as const;
  const label = text ?? ((known as readonly string[]).includes(status) ? t(`status.${status as (typeof known)[number]}`) : status);
  return <span className={`tag tag-${status}`}>{label}</span>;
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
  const id = useId();
  return (
    <div className="modal-backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={id} data-testid={testId}>
        <header className="modal-head">
          <h3 id={id}>{title}</h3>
          <button type="button" className="btn-icon" aria-label="close" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}
