/** The receipt types (状态回执) as a group of check boxes, in the manual's order: used by both subscription forms. */
import { RECEIPT_TYPES, receiptTypeText } from '../i18n/contents.js';
import { useI18n } from '../i18n/index.js';

export function ReceiptTypeChecks({ label, value, onChange }: { label: string; value: string[]; onChange: (types: string[]) => void }) {
  const { lang } = useI18n();
  return (
    <div className="check-group" role="group" aria-label={label}>
      {RECEIPT_TYPES.map((r) => (
        <label key={r} className="check">
          <input
            type="checkbox"
            name={`receipt-${r}`}
            checked={value.includes(r)}
            onChange={(e) =>
              onChange(e.target.checked ? RECEIPT_TYPES.filter((x) => x === r || value.includes(x)) : value.filter((x) => x !== r))
            }
          />{' '}
          {receiptTypeText(lang, r)}
        </label>
      ))}
    </div>
  );
}
