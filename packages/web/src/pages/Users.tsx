/**
 * 用户管理 (user management), for the enterprise's administrators: add operators, bind the
 * enterprise's 操作员卡 to them, reset their passwords (a new one shown once, or one the administrator
 * sets), change their role (操作员 ↔ 企业管理员), disable and enable them. Each change asks for the 法人卡 and is audited.
 */
import { useState, type FormEvent } from 'react';
import { post, errorText } from '../api/client.js';
import type { EnterpriseCard, Operator, OperatorWithPassword, Session } from '../api/types.js';
import { useCardStep } from '../components/CardStep.js';
import { useList, usePagedList } from '../components/hooks.js';
import {
  CopyButton,
  DialogActions,
  Field,
  Modal,
  Notice,
  PagedTable,
  Panel,
  RefreshButton,
  ResultNotice,
  type Column,
  type Result,
  SubmitRow,
} from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import { chinaTime } from '../rules.js';

const PAGE_SIZE = 20;

export function Users({ session }: { session: Session }) {
  const { t } = useI18n();
  // sessions saved before roles were answered have none: the API decides (403 OSW_ADMIN_REQUIRED) then
  if (session.role && session.role !== 'admin') return <Notice kind="info">{t('us.adminOnly')}</Notice>;
  return <UserAdmin session={session} />;
}

function UserAdmin({ session }: { session: Session }) {
  const { t } = useI18n();
  const runWithCard = useCardStep();
  const list = usePagedList<Operator>('/api/v1/operators', {}, PAGE_SIZE);
  const cards = useList<EnterpriseCard>('/api/v1/cards', {});
  const [result, setResult] = useState<Result>(null);
  const [shown, setShown] = useState<{ account: string; password: string } | null>(null);
  const [resetFor, setResetFor] = useState<Operator | null>(null);
  const [bindFor, setBindFor] = useState<Operator | null>(null);
  const [draft, setDraft] = useState({ account: '', name: '', operatorCode: '', role: 'operator' as 'operator' | 'admin', password: '' });

  const reloadAll = async () => {
    await Promise.all([list.reload(), cards.reload()]);
  };

  async function create(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    try {
      const r = await runWithCard({ purpose: t('us.create') }, (card) =>
        post<OperatorWithPassword>('/api/v1/operators', {
          account: draft.account.trim(),
          name: draft.name.trim(),
          operatorCode: draft.operatorCode.trim(),
          role: draft.role,
          ...(draft.password ? { password: draft.password } : {}),
          card,
        }),
      );
      if (!r) return;
      setResult({ kind: 'ok', text: t('us.created', { account: r.operator.account }) });
      if (r.password) setShown({ account: r.operator.account, password: r.password });
      setDraft({ account: '', name: '', operatorCode: '', role: 'operator', password: '' });
      await list.reload();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  }

  async function act(o: Operator, what: 'disable' | 'enable') {
    setResult(null);
    try {
      const r = await runWithCard({ purpose: `${t(what === 'disable' ? 'us.disable' : 'us.enable')} · ${o.account}` }, (card) =>
        post<Operator>(`/api/v1/operators/${encodeURIComponent(o.account)}/${what}`, { card }),
      );
      if (r) setResult({ kind: 'ok', text: t(what === 'disable' ? 'us.disabledDone' : 'us.enabledDone', { account: o.account }) });
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
    await list.reload();
  }

  /** 变更角色: the platform refuses the enterprise's last active administrator making themself an operator */
  async function changeRole(o: Operator, role: 'admin' | 'operator') {
    setResult(null);
    try {
      const label = t(role === 'admin' ? 'us.makeAdmin' : 'us.makeOperator');
      const r = await runWithCard({ purpose: `${label} · ${o.account}` }, (card) =>
        post<Operator>(`/api/v1/operators/${encodeURIComponent(o.account)}/role`, { role, card }),
      );
      if (r) setResult({ kind: 'ok', text: t('us.roleDone', { account: o.account, role: t(`us.role.${r.role}`) }) });
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
    await list.reload();
  }

  async function unbind(o: Operator, cardNo: string) {
    setResult(null);
    try {
      const r = await runWithCard({ purpose: `${t('us.unbindCard')} · ${cardNo}` }, (card) =>
        post<Operator>(`/api/v1/operators/${encodeURIComponent(o.account)}/unbind-card`, { cardNo, card }),
      );
      if (r) setResult({ kind: 'ok', text: t('us.unboundDone', { cardNo, account: o.account }) });
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
    await reloadAll();
  }

  const columns: Column<Operator>[] = [
    {
      key: 'account',
      title: t('us.account'),
      render: (o) => (
        <>
          <code>{o.account}</code>
          {o.account === session.account ? t('us.you') : ''}
        </>
      ),
    },
    { key: 'name', title: `${t('us.name')} / ${t('us.operatorCode')}`, render: (o) => `${o.name} / ${o.operatorCode}` },
    { key: 'role', title: t('us.role'), render: (o) => t(`us.role.${o.role}`) },
    {
      key: 'cards',
      title: t('us.cards'),
      render: (o) =>
        o.cards.length
          ? o.cards.map((c) => (
              <span key={c.cardNo} className="card-chip">
                <code>{c.cardNo}</code>{' '}
                <button type="button" className="btn-link" onClick={() => void unbind(o, c.cardNo)}>
                  {t('us.unbindCard')}
                </button>
              </span>
            ))
          : '-',
    },
    {
      key: 'status',
      title: t('col.status'),
      render: (o) => <span className={`tag tag-${o.status}`}>{t(o.status === 'active' ? 'us.active' : 'us.disabled')}</span>,
    },
    {
      key: 'createdAt',
      title: t('us.createdAt'),
      render: (o) => <span title={chinaTime(o.createdAt)}>{chinaTime(o.createdAt).slice(0, 10)}</span>,
    },
    {
      key: 'ops',
      title: t('common.operation'),
      className: 'ops',
      render: (o) => (
        <span className="row-actions">
          <button type="button" className="btn-link" onClick={() => setBindFor(o)}>
            {t('us.bindCard')}
          </button>
          <button type="button" className="btn-link" onClick={() => setResetFor(o)}>
            {t('us.resetPassword')}
          </button>
          {o.role !== 'platform' && (
            <button type="button" className="btn-link" onClick={() => void changeRole(o, o.role === 'admin' ? 'operator' : 'admin')}>
              {t(o.role === 'admin' ? 'us.makeOperator' : 'us.makeAdmin')}
            </button>
          )}
          {o.status === 'active' ? (
            <button
              type="button"
              className="btn-link danger"
              disabled={o.account === session.account}
              onClick={() => void act(o, 'disable')}
            >
              {t('us.disable')}
            </button>
          ) : (
            <button type="button" className="btn-link" onClick={() => void act(o, 'enable')}>
              {t('us.enable')}
            </button>
          )}
        </span>
      ),
    },
  ];

  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <>
      <Panel title={t('us.create')} testId="user-create">
        <form onSubmit={create} className="form-grid">
          <Field label={t('us.account')}>{(id) => <input id={id} name="account" value={draft.account} onChange={set('account')} />}</Field>
          <Field label={t('us.name')}>{(id) => <input id={id} name="name" value={draft.name} onChange={set('name')} />}</Field>
          <Field label={t('us.operatorCode')}>
            {(id) => <input id={id} name="operatorCode" value={draft.operatorCode} onChange={set('operatorCode')} />}
          </Field>
          <Field label={t('us.role')}>
            {(id) => (
              <select id={id} name="role" value={draft.role} onChange={set('role')}>
                <option value="operator">{t('us.role.operator')}</option>
                <option value="admin">{t('us.role.admin')}</option>
              </select>
            )}
          </Field>
          <Field label={t('us.password')} hint={t('us.passwordHint')}>
            {(id) => (
              <input
                id={id}
                name="password"
                type="password"
                autoComplete="new-password"
                value={draft.password}
                onChange={set('password')}
              />
            )}
          </Field>
          <SubmitRow label={t('us.submit')} />
        </form>
        <ResultNotice result={result} />
      </Panel>
      <Panel title={t('us.list')} actions={<RefreshButton onClick={() => void reloadAll()} />}>
        <PagedTable list={list} columns={columns} rowKey={(o) => o.account} testId="users-table" />
      </Panel>
      {shown && (
        <Modal title={t('us.passwordTitle', { account: shown.account })} onClose={() => setShown(null)} testId="password-once">
          <Notice kind="warn">{t('us.passwordOnce')}</Notice>
          <p>
            <code data-testid="new-password">{shown.password}</code> <CopyButton text={shown.password} label={t('us.newPassword')} />
          </p>
          <div className="form-actions">
            <button type="button" onClick={() => setShown(null)}>
              {t('us.passwordSaved')}
            </button>
          </div>
        </Modal>
      )}
      {resetFor && (
        <ResetPassword
          operator={resetFor}
          onClose={() => setResetFor(null)}
          onDone={(password) => {
            setResetFor(null);
            setResult({ kind: 'ok', text: t('us.resetDone', { account: resetFor.account }) });
            if (password) setShown({ account: resetFor.account, password });
          }}
        />
      )}
      {bindFor && (
        <BindCard
          operator={bindFor}
          cards={(cards.data?.items ?? []).filter((c) => c.kind === 'operator' && !c.holderAccount)}
          onClose={() => setBindFor(null)}
          onDone={(cardNo) => {
            setBindFor(null);
            setResult({ kind: 'ok', text: t('us.boundDone', { cardNo, account: bindFor.account }) });
            void reloadAll();
          }}
        />
      )}
    </>
  );
}

function ResetPassword({
  operator,
  onClose,
  onDone,
}: {
  operator: Operator;
  onClose: () => void;
  onDone: (password: string | null) => void;
}) {
  const { t } = useI18n();
  const runWithCard = useCardStep();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const r = await runWithCard({ purpose: `${t('us.resetPassword')} · ${operator.account}` }, (card) =>
        post<OperatorWithPassword>(`/api/v1/operators/${encodeURIComponent(operator.account)}/reset-password`, {
          ...(password ? { password } : {}),
          card,
        }),
      );
      if (r) onDone(r.password);
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <Modal title={`${t('us.resetPassword')} · ${operator.account}`} onClose={onClose} testId="reset-password">
      <form onSubmit={submit}>
        <Field label={t('us.newPassword')} hint={t('us.resetHint')}>
          {(id) => (
            <input id={id} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <Notice kind="error">{error}</Notice>
        <DialogActions onCancel={onClose} />
      </form>
    </Modal>
  );
}

function BindCard({
  operator,
  cards,
  onClose,
  onDone,
}: {
  operator: Operator;
  cards: EnterpriseCard[];
  onClose: () => void;
  onDone: (cardNo: string) => void;
}) {
  const { t } = useI18n();
  const runWithCard = useCardStep();
  const [cardNo, setCardNo] = useState(cards[0]?.cardNo ?? '');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!cardNo) return setError(t('us.noFreeCard'));
    try {
      const r = await runWithCard({ purpose: `${t('us.bindCard')} · ${cardNo} → ${operator.account}` }, (card) =>
        post<Operator>(`/api/v1/operators/${encodeURIComponent(operator.account)}/bind-card`, { cardNo, card }),
      );
      if (r) onDone(cardNo);
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <Modal title={`${t('us.bindCard')} · ${operator.account}`} onClose={onClose} testId="bind-card">
      <form onSubmit={submit}>
        <Field label={t('us.chooseCard')}>
          {(id) =>
            cards.length ? (
              <select id={id} value={cardNo} onChange={(e) => setCardNo(e.target.value)}>
                {cards.map((c) => (
                  <option key={c.cardNo} value={c.cardNo}>
                    {c.cardNo}
                  </option>
                ))}
              </select>
            ) : (
              <input id={id} value={cardNo} placeholder={t('us.noFreeCard')} onChange={(e) => setCardNo(e.target.value.trim())} />
            )
          }
        </Field>
        <Notice kind="error">{error}</Notice>
        <DialogActions onCancel={onClose} />
      </form>
    </Modal>
  );
}
