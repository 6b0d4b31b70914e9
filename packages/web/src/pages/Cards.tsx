/**
 * IC卡: the enterprise's 法人卡 and 操作员卡 with their validity (有效期至) and state (`GET /api/v1/cards`).
 * The sandbox refuses what an expired or locked card signs (非白名单用户或者ic卡号不合法).
 */
import { useCallback, useEffect, useState } from 'react';
import { get, errorText } from '../api/client.js';
import type { CardList } from '../api/types.js';
import { DataTable, Notice, Panel, RefreshButton } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import { chinaTime } from '../rules.js';

export function Cards() {
  const { t } = useI18n();
  const [data, setData] = useState<CardList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await get<CardList>('/api/v1/cards'));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Panel title={t('cards.title')} testId="cards" actions={<RefreshButton onClick={() => void load()} />}>
      <p className="muted">{t('cards.hint')}</p>
      <Notice kind="error">{error}</Notice>
      <DataTable
        testId="cards-table"
        caption={t('cards.title')}
        rows={data?.items ?? null}
        loading={loading}
        rowKey={(c) => c.cardNo}
        columns={[
          { key: 'cardNo', title: t('cards.no'), render: (c) => c.cardNo },
          { key: 'kind', title: t('cards.kind'), render: (c) => t(c.kind === 'legal' ? 'cards.kind.legal' : 'cards.kind.operator') },
          { key: 'holder', title: t('cards.holder'), render: (c) => c.holderAccount ?? '-' },
          {
            key: 'validUntil',
            title: t('cards.validUntil'),
            render: (c) => (c.validUntil ? chinaTime(c.validUntil) : t('cards.noExpiry')),
          },
          {
            key: 'state',
            title: t('cards.state'),
            render: (c) =>
              c.locked ? (
                <span className="tag tag-cancelled">{t('cards.state.locked')}</span>
              ) : c.expired ? (
                <span className="tag tag-expired">{t('cards.state.expired')}</span>
              ) : (
                <span className="tag tag-active">{t('cards.state.valid')}</span>
              ),
          },
        ]}
      />
    </Panel>
  );
}
