/**
 * 沙箱: declarations with their receipts as a timeline (申报 → 入库 → 审结 → 查验 → 放行 → 结关),
 * read from `GET /api/v1/declarations`; issuing a chosen receipt and the manuals need the sandbox
 * routes of issue 6 and say so until the platform offers them.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { apiRoutes, ApiError, get, post } from '../api/client.js';
import type { Declaration, DeclarationReceipt } from '../api/types.js';
import { useList } from '../components/hooks.js';
import { DataTable, Field, NotAvailable, Notice, Pager, Panel, type Column } from '../components/ui.js';
import { CHANNELS, channelText, useI18n, type Lang } from '../i18n/index.js';
import { chinaTime } from '../rules.js';

const STEPS: { zh: string; en: string; channels: string[] }[] = [
  { zh: '申报', en: 'declared', channels: ['7'] },
  { zh: '入库', en: 'entered', channels: ['L'] },
  { zh: '审结', en: 'reviewed', channels: ['J', 'G'] },
  { zh: '查验', en: 'inspection', channels: ['C'] },
  { zh: '放行', en: 'released', channels: ['P'] },
  { zh: '结关', en: 'cleared', channels: ['R'] },
];
const REFUSED = ['E', 'Z', 'Y', 'D'];

export function Timeline({ receipts, lang }: { receipts: DeclarationReceipt[]; lang: Lang }) {
  const at = (chs: string[]) => receipts.find((r) => chs.includes(r.channel));
  const lastReached = Math.max(-1, ...STEPS.map((s, i) => (at(s.channels) ? i : -1)));
  const refused = receipts.find((r) => REFUSED.includes(r.channel));
  return (
    <ol className="timeline" data-testid="timeline">
      {STEPS.map((s, i) => {
        const r = at(s.channels);
        const state = r ? 'done' : i < lastReached ? 'skipped' : 'todo';
        return (
          <li key={s.zh} className={`step step-${state}`} data-step={s.zh} data-state={state}>
            <span className="dot" aria-hidden="true" />
            <span className="step-name">{lang === 'en' ? s.en : s.zh}</span>
            <span className="step-time">{r ? chinaTime(r.createdAt).slice(5) : ''}</span>
          </li>
        );
      })}
      {refused && (
        <li className="step step-refused" data-state="refused">
          <span className="dot" aria-hidden="true" />
          <span className="step-name">{channelText(lang, refused.channel)}</span>
          <span className="step-time">{chinaTime(refused.createdAt).slice(5)}</span>
        </li>
      )}
    </ol>
  );
}

export function SandboxDeclarations() {
  const { t, lang } = useI18n();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const list = useList<Declaration>('/api/v1/declarations', { page, pageSize: 10 });
  const columns: Column<Declaration>[] = [
    { key: 'seqNo', title: t('sb.seqNo'), render: (d) => <code>{d.seqNo}</code> },
    { key: 'entryId', title: t('sb.entryId'), render: (d) => d.entryId ?? '-' },
    { key: 'clientSeqNo', title: t('sb.clientSeqNo'), render: (d) => d.clientSeqNo },
    { key: 'ie', title: t('sb.ieFlag'), render: (d) => d.ieFlag },
    { key: 'channel', title: t('sb.channel'), render: (d) => <span className={`tag tag-ch-${d.channel}`}>{d.channel ? channelText(lang, d.channel) : '-'}</span> },
    { key: 'declaredAt', title: t('sb.declaredAt'), render: (d) => chinaTime(d.declaredAt) },
  ];
  return (
    <>
      <Panel
        title={t('sb.declarations')}
        actions={
          <button type="button" className="btn-plain" onClick={() => void list.reload()}>
            {t('common.refresh')}
          </button>
        }
      >
        <p className="muted">{t('sb.hint')}</p>
        <Notice kind="error">{list.error}</Notice>
        <DataTable columns={columns} rows={list.data?.items ?? null} rowKey={(d) => d.seqNo} loading={list.loading} onRowClick={(d) => setOpen(d.seqNo)} testId="declarations-table" />
        {list.data && <Pager page={page} pageSize={10} total={list.data.total} onPage={setPage} />}
      </Panel>
      {open && <DeclarationDetail seqNo={open} />}
    </>
  );
}

function DeclarationDetail({ seqNo }: { seqNo: string }) {
  const { t, lang } = useI18n();
  const [d, setD] = useState<(Declaration & { receipts: DeclarationReceipt[] }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [issueRoute, setIssueRoute] = useState<string | null | undefined>(undefined);
  const load = () =>
    get<Declaration & { receipts: DeclarationReceipt[] }>(`/api/v1/declarations/${seqNo}`)
      .then((r) => (setD(r), setError(null)))
      .catch((err) => setError(err instanceof ApiError ? err.message : String(err)));
  useEffect(() => {
    void load();
    void apiRoutes().then((s) => setIssueRoute([...s].find((r) => r.startsWith('POST /api/v1/sandbox/') && r.includes('receipt')) ?? null));
  }, [seqNo]);
  return (
    <Panel
      title={`${t('sb.timeline')} · ${seqNo}`}
      testId="declaration-detail"
      actions={
        <button type="button" className="btn-plain" onClick={() => void load()}>
          {t('common.refresh')}
        </button>
      }
    >
      <Notice kind="error">{error}</Notice>
      {d && (
        <>
          <Timeline receipts={d.receipts} lang={lang} />
          <DataTable
            rows={d.receipts}
            rowKey={(r) => `${r.channel}${r.createdAt}`}
            columns={[
              { key: 'at', title: t('msg.sentAt'), render: (r) => chinaTime(r.createdAt) },
              { key: 'ch', title: 'CHANNEL', render: (r) => channelText(lang, r.channel) },
              { key: 'note', title: 'NOTE', render: (r) => r.note, className: 'wrap' },
            ]}
          />
        </>
      )}
      <h3>{t('sb.issue')}</h3>
      {issueRoute === null && <Notice kind="warn">{t('sb.issueNotAvailable')}</Notice>}
      {issueRoute && <IssueReceipt seqNo={seqNo} onIssued={() => void load()} />}
    </Panel>
  );
}

/** 签发回执: the sandbox answers the declaration with the chosen CHANNEL and NOTE. */
function IssueReceipt({ seqNo, onIssued }: { seqNo: string; onIssued: () => void }) {
  const { t, lang } = useI18n();
  const [channel, setChannel] = useState('C');
  const [note, setNote] = useState('');
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  async function issue(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    try {
      await post(`/api/v1/sandbox/declarations/${encodeURIComponent(seqNo)}/receipts`, { channel, ...(note.trim() ? { note: note.trim() } : {}) });
      setResult({ kind: 'ok', text: channelText(lang, channel) });
      onIssued();
    } catch (err) {
      setResult({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
  }
  return (
    <form onSubmit={issue} className="form-grid" data-testid="issue-receipt">
      <Field label="CHANNEL">
        {(id) => (
          <select id={id} value={channel} onChange={(e) => setChannel(e.target.value)}>
            {Object.keys(CHANNELS).map((c) => (
              <option key={c} value={c}>
                {channelText(lang, c)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="NOTE">{(id) => <input id={id} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />}</Field>
      <div className="form-actions">
        <button type="submit">{t('sb.issue')}</button>
      </div>
      {result && <Notice kind={result.kind}>{result.text}</Notice>}
    </form>
  );
}

export function SandboxManuals() {
  const [route, setRoute] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    void apiRoutes().then((s) => setRoute([...s].find((r) => /^GET \/api\/v1\/(sandbox\/)?manuals$/.test(r))?.slice(4) ?? null));
  }, []);
  if (route === undefined) return null;
  if (route === null) return <NotAvailable api="GET /api/v1/sandbox/manuals" />;
  return <ManualList path={route} />;
}

function ManualList({ path }: { path: string }) {
  const { t } = useI18n();
  const list = useList<Record<string, unknown>>(path, {});
  return (
    <Panel title={t('sb.manuals')}>
      <Notice kind="error">{list.error}</Notice>
      <DataTable
        rows={list.data?.items ?? null}
        loading={list.loading}
        rowKey={(m) => String(m.manualNo ?? m.id)}
        columns={[
          { key: 'manualNo', title: t('ms.manualNo'), render: (m) => String(m.manualNo ?? '-') },
          { key: 'enterprise', title: t('col.enterprise'), render: (m) => String(m.enterpriseCode ?? m.processingUnit ?? '-') },
          { key: 'version', title: 'version', render: (m) => String(m.version ?? '-') },
        ]}
      />
    </Panel>
  );
}
