/**
 * 死信: messages the RabbitMQ exchange gave up on, with the broker's reason (`GET /api/v1/dead-letters`).
 * With the HTTP exchange there is no dead-letter queue and the screen says so.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { get, errorText } from '../api/client.js';
import type { DeadLetterList } from '../api/types.js';
import { DataTable, Field, Notice, Panel, RefreshButton, SubmitRow } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/messages.js';

const REASONS: Record<string, MessageKey> = {
  delivery_limit: 'dl.reason.deliveryLimit',
  rejected: 'dl.reason.rejected',
  expired: 'dl.reason.expired',
  maxlen: 'dl.reason.maxlen',
};

export function DeadLetters() {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');
  const [clientId, setClientId] = useState('');
  const [data, setData] = useState<DeadLetterList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await get<DeadLetterList>('/api/v1/dead-letters', clientId ? { clientId } : {}));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [clientId]);
  useEffect(() => {
    void load();
  }, [load]);

  function search(e: FormEvent) {
    e.preventDefault();
    setClientId(draft.trim());
  }

  const reason = (r: string) => (REASONS[r] ? `${t(REASONS[r])} (${r})` : r);
  return (
    <Panel title={t('dl.title')} testId="dead-letters" actions={<RefreshButton onClick={() => void load()} />}>
      <p className="muted">{t('dl.hint')}</p>
      {data?.exchange === 'http' && (
        <Notice kind="info" testId="dead-letters-http">
          {t('dl.httpExchange')}
        </Notice>
      )}
      <Notice kind="error">{error}</Notice>
      <form onSubmit={search} className="form-grid filters">
        <Field label={t('push.client')}>
          {(id) => <input id={id} value={draft} maxLength={32} onChange={(e) => setDraft(e.target.value)} />}
        </Field>
        <SubmitRow label={t('common.query')} />
      </form>
      <DataTable
        testId="dead-letters-table"
        caption={t('dl.title')}
        rows={data?.items ?? null}
        loading={loading}
        rowKey={(d) => `${d.queue}|${d.messageId}|${d.reason}`}
        columns={[
          { key: 'client', title: t('push.client'), render: (d) => d.clientId },
          { key: 'direction', title: t('dl.direction'), render: (d) => t(d.direction === 'send' ? 'dl.send' : 'dl.receive') },
          { key: 'messageId', title: t('push.messageId'), render: (d) => d.messageId ?? '-' },
          { key: 'fileName', title: t('dl.fileName'), render: (d) => d.fileName ?? '-', className: 'wrap' },
          { key: 'reason', title: t('dl.reason'), render: (d) => reason(d.reason) },
          { key: 'count', title: t('dl.count'), render: (d) => d.count },
        ]}
      />
      {data && data.exchange === 'amqp' && <p className="muted">{t('dl.scanned', { n: data.scanned })}</p>}
    </Panel>
  );
}
