/** 消息: what the enterprise was pushed by SMS (the embedded outbox) and by the app / WeChat feed. */
import type { FeedMessage, SmsOutboxItem } from '../api/types.js';
import { useList } from '../components/hooks.js';
import { DataTable, Notice, Panel, When, RefreshButton } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import { chinaTime } from '../rules.js';

export function Messages() {
  const { t } = useI18n();
  const sms = useList<SmsOutboxItem>('/api/v1/sms/outbox', { pageSize: 50 });
  return (
    <>
      <Panel title={t('msg.smsOutbox')} actions={<RefreshButton onClick={() => void sms.reload()} />}>
        <Notice kind="error">{sms.error}</Notice>
        <DataTable
          testId="sms-table"
          rows={sms.data?.items ?? null}
          loading={sms.loading}
          rowKey={(m) => m.id}
          columns={[
            { key: 'at', title: t('msg.sentAt'), render: (m) => <When text={chinaTime(m.createdAt)} /> },
            { key: 'phone', title: t('msg.phone'), render: (m) => m.phone },
            { key: 'text', title: t('msg.text'), render: (m) => m.text, className: 'wrap' },
          ]}
        />
      </Panel>
      <Panel title={t('msg.feed')}>
        <Feed />
      </Panel>
    </>
  );
}

/** The app (掌上海关) / WeChat (微信小程序) message feed: receipt pushes by those methods (`GET /api/v1/feed`). */
function Feed() {
  const { t } = useI18n();
  const feed = useList<FeedMessage>('/api/v1/feed', { pageSize: 50 });
  return (
    <>
      <Notice kind="error">{feed.error}</Notice>
      <DataTable
        rows={feed.data?.items ?? null}
        loading={feed.loading}
        rowKey={(m) => m.id}
        columns={[
          { key: 'at', title: t('msg.sentAt'), render: (m) => <When text={chinaTime(m.createdAt)} /> },
          { key: 'method', title: t('rs.pushMethod'), render: (m) => t(m.channel === 'app' ? 'rs.app' : 'rs.wechat') },
          { key: 'text', title: t('msg.text'), render: (m) => m.text, className: 'wrap' },
        ]}
      />
    </>
  );
}
