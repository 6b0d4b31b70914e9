/**
 * The card step (插入本企业的法人卡): operations the manuals tie to an IC card ask for the card
 * number and PIN here, run the operation with them, and show the platform's answer about the
 * card — a wrong PIN with the tries left, a locked card — without leaving the dialog.
 */
import { createContext, useCallback, useContext, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/client.js';
import type { CardProof } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { CardPinForm } from '@osw/messages/forms';
import { formProblems } from '../rules.js';
import { Field, Modal, Notice } from './ui.js';

export interface CardStepOptions {
  /** the operation accepts a 法人卡 or an 操作员卡 (else the 法人卡 only) */
  anyKind?: boolean;
  /** what the card is for, shown above the fields */
  purpose?: string;
}

type RunWithCard = <T>(opts: CardStepOptions, op: (card: CardProof) => Promise<T>) => Promise<T | undefined>;

const CardContext = createContext<RunWithCard | null>(null);

interface Pending {
  opts: CardStepOptions;
  op: (card: CardProof) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const CARD_KEY = 'osw.cardNo';

export function CardStepProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const run = useCallback<RunWithCard>(
    (opts, op) => new Promise((resolve, reject) => setPending({ opts, op, resolve: resolve as (v: unknown) => void, reject })),
    [],
  );
  return (
    <CardContext.Provider value={run}>
      {children}
      {pending && <CardDialog key={Math.random()} pending={pending} done={() => setPending(null)} />}
    </CardContext.Provider>
  );
}

export function useCardStep(): RunWithCard {
  const v = useContext(CardContext);
  if (!v) throw new Error('useCardStep outside CardStepProvider');
  return v;
}

function CardDialog({ pending, done }: { pending: Pending; done: () => void }) {
  const { t, lang } = useI18n();
  const [cardNo, setCardNo] = useState(() => sessionStorage.getItem(CARD_KEY) ?? '');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [touched, setTouched] = useState(false);
  const [problem, setProblem] = useState<{ message: string; triesLeft: number | null; locked: boolean } | null>(null);
  const lockedCard = useRef<string | null>(null);
  // the shared form rules (@osw/messages/forms)
  const check = () => formProblems(CardPinForm, { cardNo, pin }, lang);
  const found = touched ? check() : {};
  const cardNoProblem = found.cardNo ?? null;
  const pinProblem = found.pin ?? null;
  const locked = problem?.locked && lockedCard.current === cardNo;

  const cancel = () => {
    pending.resolve(undefined);
    done();
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(check()).length || busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const result = await pending.op({ cardNo, pin });
      sessionStorage.setItem(CARD_KEY, cardNo);
      pending.resolve(result);
      done();
    } catch (err) {
      if (err instanceof ApiError && err.code.startsWith('OSW_CARD_')) {
        const isLocked = err.code === 'OSW_CARD_LOCKED';
        if (isLocked) lockedCard.current = cardNo;
        setProblem({ message: err.message, triesLeft: err.triesLeft, locked: isLocked });
        setPin('');
        setTouched(false);
        setBusy(false);
        return;
      }
      pending.reject(err);
      done();
    }
  }

  return (
    <Modal title={pending.opts.anyKind ? t('card.titleAny') : t('card.title')} onClose={cancel} testId="card-step">
      <form onSubmit={submit} noValidate>
        <p className="muted">
          {pending.opts.purpose ? `${pending.opts.purpose} — ` : ''}
          {t('card.intro')}
        </p>
        <Field label={t('card.cardNo')} problem={cardNoProblem}>
          {(id) => (
            <input
              id={id}
              name="cardNo"
              inputMode="numeric"
              autoComplete="off"
              maxLength={13}
              value={cardNo}
              onChange={(e) => setCardNo(e.target.value.trim())}
              autoFocus={!cardNo}
            />
          )}
        </Field>
        <Field label={t('card.pin')} problem={pinProblem}>
          {(id) => (
            <input
              id={id}
              name="pin"
              type="password"
              autoComplete="off"
              maxLength={16}
              value={pin}
              onChange={(e) => setPin(e.target.value)}
              autoFocus={!!cardNo}
            />
          )}
        </Field>
        {problem && (
          <Notice kind="error" testId="card-problem">
            {locked ? <strong data-testid="card-locked">{t('card.locked')}</strong> : null}
            <div>{problem.message}</div>
            {problem.triesLeft !== null && (
              <div className="tries" data-testid="card-tries">
                {t('card.triesLeft', { n: problem.triesLeft })}
              </div>
            )}
          </Notice>
        )}
        <div className="form-actions">
          <button type="submit" disabled={busy || !!locked}>
            {t('card.submit')}
          </button>
          <button type="button" className="btn-plain" onClick={cancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
