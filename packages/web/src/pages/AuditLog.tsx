/**
 * 审计日志 (audit log): every change made for the enterprise — who, with which card, what, on which
 * entity, when (China time) — filterable by entity, action and date, paged; an entry's before/after
 * on demand. Built on `GET /api/v1/audit`.
 */
import { useState, type FormEvent } from 'react';
import type { AuditEntry } from '../api/types.js';
import { useFilteredList } from '../components/hooks.js';
import { Field, Modal, PagedTable, Panel, When, type Column, viewColumn } from '../components/ui.js';
import { useI18n, type Translate } from '../i18n/index.js';
import { zh, type MessageKey } from '../i18n/messages.js';
import { chinaTime } from '../rules.js';

const PAGE_SIZE = 20;

const ENTITIES = [
  'client',
  'operator',
  'declaration-subscription',
  'receipt-subscription',
  'manual-subscription',
  'webhook',
  'push',
  'push-job',
  'manual-change',
] as const;

/** the actions the console has words for (`au.act.*`); others show their code */
const ACTIONS = Object.keys(zh)
  .filter((k) => k.startsWith('au.act.'))
  .map((k) => k.slice('au.act.'.length));

function known(key: string): key is MessageKey {
  return key in zh;
}

export function actionText(t: Translate, action: string): string {
  const key = `au.act.${action}`;
  return known(key) ? t(key) : action;
}

function entityText(t: Translate, entity: string): string {
  const key = `au.entity.${entity}`;
  return known(key) ? t(key) : entity;
}

interface Filter {
  entity: string;
  entityId: string;
  action: string;
  from: string;
  to: string;
}
const EMPTY: Filter = { entity: '', entityId: '', action: '', from: '', to: '' };

export function AuditLog() {
  const { t } = useI18n();
  const [open, setOpen] = useState<AuditEntry | null>(null);
  const { list, draft, field: set, apply, reset } = useFilteredList<AuditEntry, Filter>('/api/v1/audit', EMPTY, PAGE_SIZE);

  function search(e: FormEvent) {
    e.preventDefault();
    apply({ ...draft, entityId: draft.entityId.trim(), action: draft.action.trim() });
  }

  const columns: Column<AuditEntry>[] = [
    { key: 'at', title: t('au.at'), render: (r) => <When text={chinaTime(r.at)} /> },
    { key: 'who', title: t('au.who'), render: (r) => <code>{r.account}</code> },
    { key: 'card', title: t('au.card'), render: (r) => (r.cardNo ? <code>{r.cardNo}</code> : '-') },
    {
      key: 'action',
      title: t('au.action'),
      render: (r) => <span title={r.action}>{actionText(t, r.action)}</span>,
    },
    {
      key: 'target',
      title: t('au.target'),
      render: (r) => (
        <>
          {entityText(t, r.entity)} <code className="id">{r.entityId}</code>
        </>
      ),
    },
    viewColumn(t, setOpen),
  ];

  return (
    <>
      <Panel title={t('au.filters')}>
        <form onSubmit={search} className="form-grid filters">
          <Field label={t('au.entity')}>
            {(id) => (
              <select id={id} name="entity" value={draft.entity} onChange={set('entity')}>
                <option value="">{t('common.all')}</option>
                {ENTITIES.map((e) => (
                  <option key={e} value={e}>
                    {entityText(t, e)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('au.entityId')}>
            {(id) => <input id={id} name="entityId" value={draft.entityId} onChange={set('entityId')} />}
          </Field>
          <Field label={t('au.action')}>
            {(id) => (
              <select id={id} name="action" value={draft.action} onChange={set('action')}>
                <option value="">{t('common.all')}</option>
                {ACTIONS.map((a) => (
                  <option key={a} value={a}>
                    {actionText(t, a)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('au.from')}>{(id) => <input id={id} name="from" type="date" value={draft.from} onChange={set('from')} />}</Field>
          <Field label={t('au.to')}>{(id) => <input id={id} name="to" type="date" value={draft.to} onChange={set('to')} />}</Field>
          <div className="form-actions">
            <button type="submit">{t('common.query')}</button>
            <button type="button" className="btn-plain" onClick={reset}>
              {t('common.reset')}
            </button>
          </div>
        </form>
      </Panel>
      <Panel title={t('nav.audit')}>
        <p className="muted">{t('au.chinaTime')}</p>
        <PagedTable list={list} columns={columns} rowKey={(r) => r.id} onRowClick={setOpen} testId="audit-table" />
      </Panel>
      {open && (
        <Modal title={t('au.detail', { id: open.id })} onClose={() => setOpen(null)} testId="audit-detail">
          <dl>
            <div className="kv">
              <dt>{t('au.at')}</dt>
              <dd>{chinaTime(open.at)}</dd>
            </div>
            <div className="kv">
              <dt>{t('au.who')}</dt>
              <dd>
                {open.account}
                {open.cardNo ? ` · ${open.cardNo}` : ''}
              </dd>
            </div>
            <div className="kv">
              <dt>{t('au.action')}</dt>
              <dd>
                {actionText(t, open.action)} <code>{open.action}</code>
              </dd>
            </div>
            <div className="kv">
              <dt>{t('au.target')}</dt>
              <dd>
                {entityText(t, open.entity)} <code>{open.entityId}</code>
              </dd>
            </div>
          </dl>
          <h4>{t('au.before')}</h4>
          <pre className="xml" data-testid="audit-before" tabIndex={0}>
            {open.before === null || open.before === undefined ? t('au.none') : JSON.stringify(open.before, null, 2)}
          </pre>
          <h4>{t('au.after')}</h4>
          <pre className="xml" data-testid="audit-after" tabIndex={0}>
            {open.after === null || open.after === undefined ? t('au.none') : JSON.stringify(open.after, null, 2)}
          </pre>
        </Modal>
      )}
    </>
  );
}
