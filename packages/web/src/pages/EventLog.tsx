/**
 * 事件日志 (event log): one search box — 统一编号 or 海关编号, 报文ID, 客户端ID, 订阅ID, 账册号 —
 * and what it finds, linked: the declaration with its receipts, the pushes made for it (paged) and
 * the subscriptions that caused them. Every number in the answer searches again. Built on
 * `GET /api/v1/events`.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { get, errorText } from '../api/client.js';
import type { EventSearch, PushRecord } from '../api/types.js';
import { DataTable, Field, Notice, Pager, Panel, StatusTag, When, type Column, SubmitRow } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import { chinaTime } from '../rules.js';

const PAGE_SIZE = 20;
const KIND_LABEL = { declaration: 'nav.declarationSub', receipt: 'nav.receiptSub', manual: 'nav.manualSub' } as const;

export function EventLog() {
  const { t } = useI18n();
  // `/events?q=…`: a search that can be linked to and reloaded
  const [draft, setDraft] = useState(() => new URLSearchParams(location.search).get('q') ?? '');
  const [query, setQuery] = useState(draft.trim());
  const [page, setPage] = useState(1);
  const [result, setResult] = useState<EventSearch | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!query) return;
    let live = true;
    setLoading(true);
    get<EventSearch>('/api/v1/events', { q: query, page, pageSize: PAGE_SIZE })
      .then((r) => live && (setResult(r), setError(null)))
      .catch((err) => live && setError(errorText(err)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [query, page]);

  function search(e: FormEvent) {
    e.preventDefault();
    searchFor(draft);
  }
  /** a number in the answer: searched for in its turn */
  function searchFor(term: string) {
    setDraft(term);
    setQuery(term.trim());
    setPage(1);
    history.replaceState(null, '', `${location.pathname}?q=${encodeURIComponent(term.trim())}`);
  }
  const link = (term: string | null, text: ReactNode = term) =>
    term ? (
      <button type="button" className="btn-link" onClick={() => searchFor(term)}>
        {text}
      </button>
    ) : (
      '-'
    );

  const columns: Column<PushRecord>[] = [
    { key: 'messageId', title: t('push.messageId'), render: (p) => link(p.messageId, <code>{p.messageId}</code>), className: 'id' },
    { key: 'doc', title: `${t('push.manualNo')} / ${t('push.documentNo')}`, render: (p) => link(p.documentNo ?? p.manualNo) },
    { key: 'client', title: t('push.client'), render: (p) => link(p.clientId) },
    { key: 'status', title: t('push.status'), render: (p) => <span className={`tag tag-push-${p.status}`}>{t(`push.${p.status}`)}</span> },
    { key: 'createdAt', title: t('ev.createdAt'), render: (p) => <When text={chinaTime(p.createdAt)} /> },
    { key: 'sentAt', title: t('push.sentAt'), render: (p) => <When text={chinaTime(p.deliveredAt)} /> },
    {
      key: 'subscription',
      title: t('ev.subscription'),
      render: (p) => link(String(p.subscriptionId), `${t(KIND_LABEL[p.subscriptionKind])} #${p.subscriptionId}`),
    },
  ];

  const r = result;
  return (
    <>
      <Panel title={t('nav.events')}>
        <form onSubmit={search} className="form-grid filters" role="search">
          <Field label={t('ev.term')} hint={t('ev.hint')}>
            {(id) => <input id={id} value={draft} maxLength={64} onChange={(e) => setDraft(e.target.value)} data-testid="event-search" />}
          </Field>
          <SubmitRow label={t('common.query')} />
        </form>
        <Notice kind="error">{error}</Notice>
        {r && query && r.matchedAs === 'none' && !loading && <p className="muted">{t('ev.none')}</p>}
        {r && r.matchedAs !== 'none' && <p className="muted">{t(`ev.matched.${r.matchedAs}`, { q: r.query })}</p>}
      </Panel>
      {r && r.declarations.length > 0 && (
        <Panel title={t('ev.declarations')} testId="event-declarations">
          {r.declarations.map((d) => (
            <section key={d.seqNo} className="event-declaration">
              <h4>
                {t('ev.seqNo')} {link(d.seqNo)}{' '}
                {d.entryId ? (
                  <>
                    {' '}
                    · {t('ev.entryId')} {link(d.entryId)}
                  </>
                ) : null}{' '}
                · {t('ev.declaredAt')} {chinaTime(d.declaredAt)}
              </h4>
              {d.receipts.length ? (
                <ol className="attempts" data-testid="event-receipts">
                  {d.receipts.map((x, i) => (
                    <li key={i}>
                      {chinaTime(x.createdAt)} · {t('ev.receipt')} {x.channel}
                      {/* customs' own words: Chinese in either language */}
                      {x.note ? (
                        <>
                          {' · '}
                          <span lang="zh">{x.note}</span>
                        </>
                      ) : null}
                    </li>
                  ))}
                </ol>
              ) : (
                <p className="muted">{t('ev.noReceipts')}</p>
              )}
            </section>
          ))}
        </Panel>
      )}
      {r && r.matchedAs !== 'none' && (
        <Panel title={t('ev.pushes')}>
          <DataTable
            columns={columns}
            rows={r.pushes.items}
            rowKey={(p) => p.id}
            loading={loading}
            testId="event-pushes"
            rowNumberFrom={(page - 1) * PAGE_SIZE + 1}
          />
          <Pager page={page} pageSize={PAGE_SIZE} total={r.pushes.total} onPage={setPage} />
        </Panel>
      )}
      {r && r.subscriptions.length > 0 && (
        <Panel title={t('ev.subscriptions')}>
          <DataTable
            columns={[
              { key: 'kind', title: t('ev.subscription'), render: (s) => link(String(s.id), `${t(KIND_LABEL[s.kind])} #${s.id}`) },
              { key: 'client', title: t('push.client'), render: (s) => link(s.clientId) },
              { key: 'status', title: t('col.status'), render: (s) => <StatusTag status={s.status} /> },
              { key: 'validUntil', title: t('ev.validUntil'), render: (s) => s.validUntil ?? t('ev.noEnd') },
              { key: 'createdAt', title: t('ev.subscribedAt'), render: (s) => <When text={s.createdAtText} /> },
            ]}
            rows={r.subscriptions}
            rowKey={(s) => `${s.kind}-${s.id}`}
            loading={loading}
            testId="event-subscriptions"
          />
        </Panel>
      )}
    </>
  );
}
