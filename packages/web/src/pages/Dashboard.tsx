/**
 * 首页: the numbers an operator checks first, and the expiry reminder the original lacks —
 * subscriptions that end within the next 30 days, as the platform's alert rule sees them
 * (`GET /api/v1/alerts/current?kind=subscription_expiring`, the same condition that sends the 30/7/1-day
 * alerts); the last day's pushes: per hour, delivered, suspended clients.
 */
import { useEffect, useState } from 'react';
import { get, type Session, errorText } from '../api/client.js';
import type {
  AlertCondition,
  ClientWithLive,
  Declaration,
  DeclarationSubscription,
  List,
  ManualSubscription,
  PushRecord,
} from '../api/types.js';
import { navigate } from '../router.js';
import { DataTable, Notice, Panel, When } from '../components/ui.js';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/messages.js';
import { addDays, chinaTime, chinaToday, daysBetween } from '../rules.js';

interface Expiring {
  key: string;
  kind: string;
  path: string;
  id: number;
  clientId: string;
  validUntil: string;
}

/** the screen and the menu name of each kind of subscription the reminder names */
const SUBSCRIPTION_SCREENS: Record<string, { path: string; label: MessageKey }> = {
  declaration: { path: '/subscriptions/declaration', label: 'nav.declarationSub' },
  manual: { path: '/subscriptions/manual', label: 'nav.manualSub' },
  receipt: { path: '/subscriptions/receipt', label: 'nav.receiptSub' },
};

async function all<T>(path: string, query: Record<string, string> = {}): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page <= 50; page++) {
    const r = await get<List<T>>(path, { ...query, page, pageSize: 200 });
    out.push(...r.items);
    if (out.length >= r.total || r.items.length === 0) break;
  }
  return out;
}

export function Dashboard({ session }: { session: Session }) {
  const { t } = useI18n();
  const [stats, setStats] = useState<{ active: number; clients: ClientWithLive[]; declarations: number; expiring: Expiring[] } | null>(
    null,
  );
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      const [decl, manual, clients, declarations, current] = await Promise.all([
        all<DeclarationSubscription>('/api/v1/subscriptions/declaration', { status: 'active' }),
        all<ManualSubscription>('/api/v1/subscriptions/manual', { status: 'active' }),
        all<ClientWithLive>('/api/v1/clients'),
        get<List<Declaration>>('/api/v1/declarations', { pageSize: 1 }),
        get<{ items: AlertCondition[] }>('/api/v1/alerts/current', { kind: 'subscription_expiring' }),
      ]);
      const expiring: Expiring[] = current.items
        .map((c) => {
          const screen = SUBSCRIPTION_SCREENS[String(c.detail.subscriptionKind)] ?? SUBSCRIPTION_SCREENS.declaration;
          return {
            key: c.subject,
            kind: t(screen.label),
            path: screen.path,
            id: Number(c.detail.subscriptionId),
            clientId: String(c.detail.clientId ?? '-'),
            validUntil: String(c.detail.validUntil),
          };
        })
        .sort((a, b) => a.validUntil.localeCompare(b.validUntil));
      if (live) setStats({ active: decl.length + manual.length, clients, declarations: declarations.total, expiring });
    })().catch((err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [t, session.token]);

  const today = chinaToday();
  return (
    <>
      <Notice kind="error">{error}</Notice>
      <div className="tiles" data-testid="tiles">
        <Tile label={t('dash.activeSubs')} value={stats?.active} />
        <Tile
          label={t('dash.clients')}
          value={stats ? `${stats.clients.filter((c) => c.status === 'active').length} / ${stats.clients.length}` : undefined}
        />
        <Tile label={t('dash.declarations')} value={stats?.declarations} />
        <Tile label={t('dash.expiring')} value={stats?.expiring.length} warn={!!stats?.expiring.length} />
      </div>
      <Panel title={t('dash.expiring')} testId="expiring">
        {stats && stats.expiring.length === 0 ? (
          <p className="muted">{t('dash.expiringNone')}</p>
        ) : (
          <DataTable
            rows={stats?.expiring ?? null}
            rowKey={(e) => e.key}
            onRowClick={(e) => navigate(e.path)}
            testId="expiring-table"
            columns={[
              { key: 'kind', title: t('dash.type'), render: (e) => e.kind },
              { key: 'id', title: t('dash.subscriptionId'), render: (e) => e.id },
              { key: 'client', title: t('col.clientId'), render: (e) => e.clientId },
              { key: 'until', title: t('col.validUntil'), render: (e) => <When text={`${e.validUntil} 23:59:59`} /> },
              { key: 'left', title: t('dash.daysLeft'), render: (e) => daysBetween(today, e.validUntil) },
            ]}
          />
        )}
      </Panel>
      <Panel title={`${t('dash.pushesPerHour')} · ${t('dash.successRate')} · ${t('dash.suspended')}`}>
        <PushStats />
      </Panel>
    </>
  );
}

function Tile({ label, value, warn }: { label: string; value: string | number | undefined; warn?: boolean }) {
  return (
    <div className={`tile${warn ? ' tile-warn' : ''}`}>
      <div className="tile-value">{value ?? '…'}</div>
      <div className="tile-label">{label}</div>
    </div>
  );
}

/** Pushes of the last 24 hours per hour, the delivery rate, suspended clients (from the push log). */
function PushStats() {
  const { t } = useI18n();
  const [rows, setRows] = useState<PushRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const from = addDays(chinaToday(), -1);
    all<PushRecord>('/api/v1/pushes', { from })
      .then(setRows)
      .catch((err) => setError(errorText(err)));
  }, []);
  if (error) return <Notice kind="error">{error}</Notice>;
  if (!rows) return <p className="muted">{t('common.loading')}</p>;
  const now = Date.now();
  const hours = Array.from(
    { length: 24 },
    (_, i) =>
      rows.filter((r) => {
        const at = Date.parse(r.deliveredAt ?? r.createdAt);
        return at > now - (24 - i) * 3_600_000 && at <= now - (23 - i) * 3_600_000;
      }).length,
  );
  const delivered = rows.filter((r) => r.status === 'delivered').length;
  const suspended = new Set(rows.flatMap((r) => (r.status === 'suspended' && r.clientId ? [r.clientId] : [])));
  return (
    <div className="push-stats">
      {hours.some((n) => n > 0) ? (
        <HourChart hours={hours} now={now} />
      ) : (
        <p className="muted chart-empty" data-testid="push-chart-empty">
          {t('dash.noPushes')}
        </p>
      )}
      <div>
        {t('dash.successRate')}: {rows.length ? `${((delivered / rows.length) * 100).toFixed(1)}%` : '-'}
      </div>
      <div>
        {t('dash.suspended')}: {suspended.size ? [...suspended].join(', ') : '0'}
      </div>
    </div>
  );
}

/** A whole number at or above `n` that splits into two even steps, for the chart's scale. */
function scaleTop(n: number): number {
  return Math.max(2, Math.ceil(n / 2) * 2);
}

/**
 * Pushes per hour over the last 24 hours as bars: a scale on the left (0, half, top, 推送条数),
 * the hours along the bottom (24小时前 … 现在), each bar's number above it and its hour on hover.
 */
function HourChart({ hours, now }: { hours: number[]; now: number }) {
  const { t } = useI18n();
  const top = scaleTop(Math.max(...hours));
  const W = 520;
  const H = 170;
  const left = 44;
  const bottom = 26;
  const plotTop = 20;
  const plotH = H - bottom - plotTop;
  const slot = (W - left - 8) / hours.length;
  const y = (n: number) => plotTop + plotH - (n / top) * plotH;
  const hourAt = (i: number) => chinaTime(new Date(now - (24 - i) * 3_600_000).toISOString()).slice(11, 16);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('dash.pushesPerHour')} data-testid="push-chart">
      <g className="chart-axis" data-testid="chart-y-axis">
        <line x1={left} y1={plotTop} x2={left} y2={plotTop + plotH} />
        {[0, top / 2, top].map((v) => (
          <g key={v}>
            <line className="chart-grid" x1={left} x2={W - 8} y1={y(v)} y2={y(v)} />
            <text x={left - 6} y={y(v) + 4} textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        <text x={4} y={12} textAnchor="start">
          {t('dash.pushCount')}
        </text>
      </g>
      <g className="chart-axis" data-testid="chart-x-axis">
        <line x1={left} y1={plotTop + plotH} x2={W - 8} y2={plotTop + plotH} />
        {[0, 12, 24].map((i) => (
          <text key={i} x={left + i * slot} y={H - 8} textAnchor={i === 0 ? 'start' : i === 24 ? 'end' : 'middle'}>
            {i === 24 ? t('dash.now') : t('dash.hoursAgo', { h: 24 - i })}
          </text>
        ))}
      </g>
      {hours.map((n, i) => (
        <g key={i} className="chart-bar" data-count={n}>
          <title>{t('dash.hourBar', { from: hourAt(i), to: hourAt(i + 1), n })}</title>
          <rect x={left + i * slot + 2} y={y(n)} width={slot - 4} height={plotTop + plotH - y(n)} />
          {n > 0 && (
            <text className="chart-value" x={left + i * slot + slot / 2} y={y(n) - 4} textAnchor="middle">
              {n}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}
