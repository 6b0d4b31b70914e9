/**
 * 沙箱: declarations with their receipts as a timeline (申报 → 入库 → 审结 → 查验 → 放行 → 结关),
 * read from `GET /api/v1/declarations`, with a chosen receipt issued now; the manuals (加工贸易账册),
 * their change requests and approval.
 */
import { Fragment, useCallback, useEffect, useState, type FormEvent } from 'react';
import { get, post, errorText } from '../api/client.js';
import type {
  Declaration,
  DeclarationDetail as DeclarationWithReceipts,
  DeclarationReceipt,
  IssuedReceipt,
  Manual,
  ManualChangeRequest,
  ManualSummary,
} from '../api/types.js';
import { useList, usePagedList } from '../components/hooks.js';
import { timeline } from '../components/timeline.js';
import { DataTable, Field, Notice, PagedTable, Panel, When, type Column, RefreshButton, SubmitRow } from '../components/ui.js';
import { CHANNELS, channelText, useI18n, type Lang } from '../i18n/index.js';
import { ManualChangeForm } from '@osw/messages/forms';
import { chinaTime, formProblems } from '../rules.js';

export function Timeline({ receipts, lang }: { receipts: DeclarationReceipt[]; lang: Lang }) {
  const { steps, refused } = timeline(receipts);
  return (
    <ol className="timeline" data-testid="timeline">
      {steps.map((s) => (
        <li key={s.zh} className={`step step-${s.state}`} data-step={s.zh} data-state={s.state}>
          <span className="dot" aria-hidden="true" />
          <span className="step-name">{lang === 'en' ? s.en : s.zh}</span>
          <span className="step-time">{s.at ? chinaTime(s.at).slice(5) : ''}</span>
        </li>
      ))}
      {refused && (
        <li className="step step-refused" data-step={refused.channel} data-state="refused">
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
  const [open, setOpen] = useState<string | null>(null);
  const list = usePagedList<Declaration>('/api/v1/declarations', {}, 10);
  const columns: Column<Declaration>[] = [
    { key: 'seqNo', title: t('sb.seqNo'), render: (d) => <code>{d.seqNo}</code> },
    { key: 'entryId', title: t('sb.entryId'), render: (d) => d.entryId || '-' },
    { key: 'clientSeqNo', title: t('sb.clientSeqNo'), render: (d) => d.clientSeqNo },
    { key: 'ie', title: t('sb.ieFlag'), render: (d) => d.ieFlag },
    {
      key: 'channel',
      title: t('sb.channel'),
      render: (d) => <span className={`tag tag-ch-${d.channel}`}>{d.channel ? channelText(lang, d.channel) : '-'}</span>,
    },
    { key: 'declaredAt', title: t('sb.declaredAt'), render: (d) => <When text={chinaTime(d.declaredAt)} /> },
  ];
  return (
    <>
      <Panel title={t('sb.declarations')} actions={<RefreshButton onClick={() => void list.reload()} />}>
        <p className="muted">{t('sb.hint')}</p>
        <PagedTable
          list={list}
          columns={columns}
          rowKey={(d) => d.seqNo}
          onRowClick={(d) => setOpen(d.seqNo)}
          testId="declarations-table"
        />
      </Panel>
      {open && <DeclarationDetail seqNo={open} />}
    </>
  );
}

function DeclarationDetail({ seqNo }: { seqNo: string }) {
  const { t, lang } = useI18n();
  const [d, setD] = useState<DeclarationWithReceipts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    get<DeclarationWithReceipts>(`/api/v1/declarations/${seqNo}`)
      .then((r) => (setD(r), setError(null)))
      .catch((err) => setError(errorText(err)));
  useEffect(() => {
    void load();
  }, [seqNo]);
  return (
    <Panel title={`${t('sb.timeline')} · ${seqNo}`} testId="declaration-detail" actions={<RefreshButton onClick={() => void load()} />}>
      <Notice kind="error">{error}</Notice>
      {d && (
        <>
          <Timeline receipts={d.receipts} lang={lang} />
          <DataTable
            rows={d.receipts}
            rowKey={(r) => `${r.channel}${r.createdAt}`}
            columns={[
              { key: 'at', title: t('msg.sentAt'), render: (r) => <When text={chinaTime(r.createdAt)} /> },
              { key: 'ch', title: 'CHANNEL', render: (r) => channelText(lang, r.channel) },
              { key: 'note', title: 'NOTE', render: (r) => r.note, className: 'wrap' },
            ]}
          />
        </>
      )}
      <h3>{t('sb.issue')}</h3>
      <IssueReceipt seqNo={seqNo} onIssued={() => void load()} />
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
      await post<IssuedReceipt>(`/api/v1/sandbox/declarations/${encodeURIComponent(seqNo)}/receipts`, {
        channel,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setResult({ kind: 'ok', text: channelText(lang, channel) });
      onIssued();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
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
      <SubmitRow label={t('sb.issue')} />
      {result && <Notice kind={result.kind}>{result.text}</Notice>}
    </form>
  );
}

/** 账册表头 labels (the head keys are the manual's own). */
const HEAD_LABELS: Record<string, { zh: string; en: string }> = {
  manualNo: { zh: '账册号', en: 'Manual number' },
  tradeCode: { zh: '经营单位编码', en: 'Trading company code' },
  tradeName: { zh: '经营单位名称', en: 'Trading company' },
  processingCode: { zh: '加工单位编码', en: 'Processing company code' },
  processingName: { zh: '加工单位名称', en: 'Processing company' },
  masterCustoms: { zh: '主管海关', en: 'Supervising customs' },
  manualType: { zh: '账册类型', en: 'Manual type' },
  validUntil: { zh: '有效期', en: 'Valid until' },
};

/** 沙箱 › 加工贸易账册: the enterprise's manuals; a click shows head, version, 料件/成品 and the change requests. */
export function SandboxManuals() {
  const { t } = useI18n();
  const list = useList<ManualSummary>('/api/v1/sandbox/manuals', {});
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <Panel title={t('sb.manuals')} actions={<RefreshButton onClick={() => void list.reload()} />}>
        <Notice kind="error">{list.error}</Notice>
        <DataTable
          rows={list.data?.items ?? null}
          loading={list.loading}
          rowKey={(m) => m.manualNo}
          onRowClick={(m) => setOpen(m.manualNo)}
          testId="manuals-table"
          columns={[
            { key: 'manualNo', title: t('ms.manualNo'), render: (m) => <code>{m.manualNo}</code> },
            { key: 'trade', title: t('sb.tradeName'), render: (m) => m.head.tradeName ?? '-' },
            { key: 'version', title: t('sb.version'), render: (m) => m.version },
            { key: 'img', title: t('sb.imgCount'), render: (m) => m.imgCount },
            { key: 'exg', title: t('sb.exgCount'), render: (m) => m.exgCount },
            { key: 'validUntil', title: t('col.validUntil'), render: (m) => m.head.validUntil ?? '-' },
          ]}
        />
      </Panel>
      {open && <ManualDetail key={open} manualNo={open} onChanged={() => void list.reload()} />}
    </>
  );
}

function ManualDetail({ manualNo, onChanged }: { manualNo: string; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const [m, setM] = useState<Manual | null>(null);
  const [kind, setKind] = useState<'img' | 'exg'>('img');
  const [error, setError] = useState<string | null>(null);
  const changes = useList<ManualChangeRequest>(`/api/v1/sandbox/manuals/${encodeURIComponent(manualNo)}/changes`, { pageSize: 10 });
  const load = useCallback(
    () =>
      get<Manual>(`/api/v1/sandbox/manuals/${encodeURIComponent(manualNo)}`)
        .then((r) => (setM(r), setError(null)))
        .catch((err) => setError(errorText(err))),
    [manualNo],
  );
  useEffect(() => void load(), [load]);
  const refresh = () => {
    void load();
    void changes.reload();
    onChanged();
  };
  const rows = m?.items.filter((i) => i.kind === kind) ?? null;
  return (
    <Panel
      title={t('sb.manualDetail', { no: manualNo })}
      testId="manual-detail"
      actions={
        <button type="button" className="btn-plain" onClick={refresh}>
          {t('common.refresh')}
        </button>
      }
    >
      <Notice kind="error">{error}</Notice>
      {m && (
        <>
          <dl className="head-grid" data-testid="manual-head">
            <dt>{t('sb.version')}</dt>
            <dd data-testid="manual-version">{m.version}</dd>
            {Object.entries(m.head).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{HEAD_LABELS[k]?.[lang] ?? k}</dt>
                <dd>{v}</dd>
              </Fragment>
            ))}
          </dl>
          <div className="tabs" role="tablist" aria-label={t('sb.kind')}>
            {(['img', 'exg'] as const).map((k) => (
              <button
                key={k}
                type="button"
                role="tab"
                aria-selected={kind === k}
                className={kind === k ? 'tab tab-on' : 'tab'}
                onClick={() => setKind(k)}
              >
                {t(`sb.${k}`)} ({m.items.filter((i) => i.kind === k).length})
              </button>
            ))}
          </div>
          <div className="scroll-box">
            <DataTable
              rows={rows}
              rowKey={(i) => `${i.kind}${i.serial}`}
              testId="manual-items"
              rowNumberFrom={false}
              columns={[
                { key: 'serial', title: t('sb.serial'), render: (i) => i.serial },
                { key: 'code', title: t('sb.code'), render: (i) => <code>{i.code}</code> },
                { key: 'name', title: t('sb.name'), render: (i) => i.name },
                { key: 'model', title: t('sb.model'), render: (i) => i.model },
                { key: 'unit', title: t('sb.unit'), render: (i) => i.unit },
                { key: 'quantity', title: t('sb.quantity'), render: (i) => i.quantity },
              ]}
            />
          </div>
        </>
      )}
      <h3>{t('sb.change')}</h3>
      <ManualChangeRequestForm manualNo={manualNo} onSubmitted={refresh} />
      <h3>{t('sb.changes')}</h3>
      <Notice kind="error">{changes.error}</Notice>
      <ChangeRequests rows={changes.data?.items ?? null} loading={changes.loading} onApproved={refresh} />
    </Panel>
  );
}

function changeText(c: ManualChangeRequest, t: ReturnType<typeof useI18n>['t']): string {
  const parts = (c.change.items ?? []).map(
    (i) =>
      `${t(`sb.${i.action as 'add'}`)} ${i.kind ? t(`sb.${i.kind}`) : ''}${i.serial ? `[${i.serial}]` : ''}${i.name ? ` ${i.name}` : ''}`,
  );
  for (const [k, v] of Object.entries(c.change.head ?? {})) parts.push(`${k}=${v}`);
  return parts.join('；');
}

function ChangeRequests({ rows, loading, onApproved }: { rows: ManualChangeRequest[] | null; loading: boolean; onApproved: () => void }) {
  const { t } = useI18n();
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  async function approve(c: ManualChangeRequest) {
    setResult(null);
    try {
      const r = await post<ManualChangeRequest>(`/api/v1/sandbox/manual-changes/${c.id}/approve`);
      setResult({ kind: 'ok', text: t('sb.approved', { id: r.id, v: r.version ?? '-' }) });
      onApproved();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }
  return (
    <>
      {result && (
        <Notice kind={result.kind} testId="approve-result">
          {result.text}
        </Notice>
      )}
      <DataTable
        rows={rows}
        loading={loading}
        rowKey={(c) => c.id}
        testId="manual-changes"
        columns={[
          { key: 'id', title: 'ID', render: (c) => c.id },
          { key: 'content', title: t('sb.changeContent'), render: (c) => changeText(c, t), className: 'wrap' },
          { key: 'account', title: t('col.operator'), render: (c) => c.account },
          { key: 'at', title: t('sb.requestedAt'), render: (c) => <When text={chinaTime(c.requestedAt)} /> },
          {
            key: 'status',
            title: t('col.status'),
            render: (c) => (
              <span className={`tag tag-${c.status === 'approved' ? 'active' : 'pending'}`}>
                {c.status === 'approved' ? t('sb.approvedStatus') : t('sb.pending')}
              </span>
            ),
          },
          { key: 'version', title: t('sb.version'), render: (c) => c.version ?? '-' },
          {
            key: 'op',
            title: t('common.operation'),
            render: (c) =>
              c.status === 'pending' ? (
                <button type="button" className="btn-small" onClick={() => void approve(c)}>
                  {t('sb.approve')}
                </button>
              ) : (
                '-'
              ),
          },
        ]}
      />
    </>
  );
}

interface ChangeDraft {
  kind: 'img' | 'exg';
  action: 'add' | 'modify' | 'delete';
  serial: string;
  code: string;
  name: string;
  model: string;
  unit: string;
  quantity: string;
  validUntil: string;
  autoApprove: boolean;
}
const EMPTY_CHANGE: ChangeDraft = {
  kind: 'img',
  action: 'add',
  serial: '',
  code: '',
  name: '',
  model: '',
  unit: '007',
  quantity: '',
  validUntil: '',
  autoApprove: false,
};

/** 账册变更申请: one 料件/成品 row to add, modify or delete, and optionally the head's 有效期. */
function ManualChangeRequestForm({ manualNo, onSubmitted }: { manualNo: string; onSubmitted: () => void }) {
  const { t, lang } = useI18n();
  const [d, setD] = useState<ChangeDraft>(EMPTY_CHANGE);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const set = (k: keyof ChangeDraft) => (e: { target: { value: string } }) => setD({ ...d, [k]: e.target.value });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    const item: Record<string, unknown> = { kind: d.kind, action: d.action };
    if (d.serial.trim()) item.serial = /^\d+$/.test(d.serial.trim()) ? Number(d.serial.trim()) : d.serial.trim();
    if (d.action !== 'delete')
      for (const k of ['code', 'name', 'model', 'unit', 'quantity'] as const) if (d[k].trim()) item[k] = d[k].trim();
    const body = { items: [item], ...(d.validUntil ? { head: { validUntil: d.validUntil } } : {}), autoApprove: d.autoApprove };
    // the shared form rules (@osw/messages/forms); the platform checks the rows against the manual
    const all = formProblems(ManualChangeForm, body, lang);
    const found = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.replace(/^items\.0\./, ''), v]));
    setProblems(found);
    if (Object.keys(found).length) return;
    try {
      const r = await post<ManualChangeRequest>(`/api/v1/sandbox/manuals/${encodeURIComponent(manualNo)}/changes`, body);
      setResult({ kind: 'ok', text: t('sb.changeSubmitted', { id: r.id }) });
      setD(EMPTY_CHANGE);
      onSubmitted();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }
  return (
    <form onSubmit={submit} className="form-grid" data-testid="manual-change" noValidate>
      <Field label={t('sb.kind')}>
        {(id) => (
          <select id={id} value={d.kind} onChange={set('kind')}>
            <option value="img">{t('sb.img')}</option>
            <option value="exg">{t('sb.exg')}</option>
          </select>
        )}
      </Field>
      <Field label={t('sb.action')}>
        {(id) => (
          <select id={id} value={d.action} onChange={set('action')}>
            <option value="add">{t('sb.add')}</option>
            <option value="modify">{t('sb.modify')}</option>
            <option value="delete">{t('sb.delete')}</option>
          </select>
        )}
      </Field>
      <Field label={t('sb.serial')} hint={d.action === 'add' ? t('sb.serialHint') : undefined} problem={problems.serial}>
        {(id) => <input id={id} inputMode="numeric" value={d.serial} onChange={set('serial')} />}
      </Field>
      {d.action !== 'delete' && (
        <>
          <Field label={t('sb.code')} problem={problems.code}>
            {(id) => <input id={id} inputMode="numeric" maxLength={10} value={d.code} onChange={set('code')} />}
          </Field>
          <Field label={t('sb.name')} problem={problems.name}>
            {(id) => <input id={id} maxLength={200} value={d.name} onChange={set('name')} />}
          </Field>
          <Field label={t('sb.model')}>{(id) => <input id={id} maxLength={500} value={d.model} onChange={set('model')} />}</Field>
          <Field label={t('sb.unit')}>{(id) => <input id={id} maxLength={8} value={d.unit} onChange={set('unit')} />}</Field>
          <Field label={t('sb.quantity')} problem={problems.quantity}>
            {(id) => <input id={id} maxLength={32} value={d.quantity} onChange={set('quantity')} />}
          </Field>
        </>
      )}
      <Field label={t('sb.validUntil')}>{(id) => <input id={id} type="date" value={d.validUntil} onChange={set('validUntil')} />}</Field>
      <label className="check">
        <input type="checkbox" checked={d.autoApprove} onChange={(e) => setD({ ...d, autoApprove: e.target.checked })} />{' '}
        {t('sb.autoApprove')}
      </label>
      <SubmitRow label={t('sb.submitChange')} />
      {result && (
        <Notice kind={result.kind} testId="change-result">
          {result.text}
        </Notice>
      )}
    </form>
  );
}
