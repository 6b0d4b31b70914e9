/** 查询客户端 then pick one: the enterprise's active clients, as in the original's subscription forms. */
import { useI18n } from '../i18n/index.js';
import type { useClientQuery } from './hooks.js';
import { Field } from './ui.js';

export function ClientPicker({
  query,
  value,
  onChange,
  problem,
}: {
  query: ReturnType<typeof useClientQuery>;
  value: string;
  onChange: (v: string) => void;
  problem?: string | null;
}) {
  const { t } = useI18n();
  const empty = query.clients !== null && query.clients.length === 0;
  return (
    <Field label={t('sub.client')} problem={problem ?? query.error ?? (empty ? t('sub.noClients') : null)}>
      {(id) => (
        <div className="inline">
          <select id={id} name="clientId" value={value} onChange={(e) => onChange(e.target.value)} disabled={!query.clients?.length}>
            <option value="">{t('sub.pickClient')}</option>
            {query.clients?.map((c) => (
              <option key={c.clientId} value={c.clientId}>
                {c.clientId}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn-plain"
            disabled={query.busy}
            onClick={async () => {
              const list = await query.query();
              if (list.length === 1) onChange(list[0].clientId);
            }}
          >
            {t('sub.queryClients')}
          </button>
        </div>
      )}
    </Field>
  );
}
