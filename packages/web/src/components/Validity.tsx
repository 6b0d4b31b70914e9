/** The validity date picker (有效期): today up to one year from today, default one year. */
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/index.js';
import { ExtendForm } from '@osw/messages/forms';
import { addDays, chinaToday, formProblems, oneYearFrom } from '../rules.js';
import { Field, Modal, DialogActions } from './ui.js';

export function ValidityInput({
  value,
  onChange,
  problem,
  label,
  min,
  hint,
}: {
  value: string;
  onChange: (v: string) => void;
  problem?: string | null;
  label?: string;
  /** the earliest day to offer (default today) */
  min?: string;
  hint?: string;
}) {
  const { t } = useI18n();
  const today = chinaToday();
  const max = oneYearFrom(today);
  return (
    <Field label={label ?? t('sub.validUntil')} hint={hint ?? t('sub.validityRule', { max })} problem={problem}>
      {(id) => (
        <input
          id={id}
          name="validUntil"
          type="date"
          min={min ?? today}
          max={max}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required
        />
      )}
    </Field>
  );
}

/** 延期: a date picker from the day after the current validity up to one year from today, then the card step. */
export function ExtendDialog({
  current,
  onClose,
  onExtend,
}: {
  current: string;
  onClose: () => void;
  onExtend: (validUntil: string) => void;
}) {
  const { t, lang } = useI18n();
  const [day, setDay] = useState(() => oneYearFrom(chinaToday()));
  const [touched, setTouched] = useState(false);
  // the shared form rule (@osw/messages/forms): later than the current validity, at most one year from today
  const check = () => formProblems(ExtendForm, { validUntil: day, current }, lang).validUntil ?? null;
  const problem = touched ? check() : null;
  function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (check()) return;
    onExtend(day);
  }
  return (
    <Modal title={t('sub.extend')} onClose={onClose} testId="extend-dialog">
      <form onSubmit={submit} noValidate>
        <p className="muted">
          {t('sub.validUntil')}: {current} 23:59:59
        </p>
        <ValidityInput
          label={t('sub.extendTitle')}
          value={day}
          onChange={setDay}
          problem={problem}
          min={addDays(current, 1)}
          hint={t('sub.extendRule', { current, max: oneYearFrom(chinaToday()) })}
        />
        <DialogActions onCancel={onClose} />
      </form>
    </Modal>
  );
}
