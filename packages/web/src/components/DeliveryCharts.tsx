/**
 * 下发统计 (delivery charts): for one client of the enterprise, pushes delivered per hour and the
 * delivery latency (p50/p95, from the push being made to the client's acknowledgement) over the last
 * 24 h, drawn with uPlot; times on the axis in China time. Built on `GET /api/v1/clients/delivery-stats`.
 */
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { get, errorText } from '../api/client.js';
import type { DeliveryStats } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { Field, Notice, Panel } from './ui.js';

const CHINA = 'Asia/Shanghai';

export function DeliveryCharts() {
  const { t } = useI18n();
  const [stats, setStats] = useState<DeliveryStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [clientId, setClientId] = useState('');
  const load = () =>
    get<DeliveryStats>('/api/v1/clients/delivery-stats', { hours: 24 })
      .then((s) => (setStats(s), setError(null)))
      .catch((err) => setError(errorText(err)));
  useEffect(() => {
    void load();
  }, []);

  const client = stats?.clients.find((c) => c.clientId === clientId) ?? stats?.clients[0];
  const x = stats?.hours.map((h) => Date.parse(h) / 1000) ?? [];
  return (
    <Panel
      title={t('chart.title')}
      testId="delivery-charts"
      actions={
        <>
          {stats && stats.clients.length > 1 && (
            <Field label={t('push.client')}>
              {(id) => (
                <select id={id} value={client?.clientId ?? ''} onChange={(e) => setClientId(e.target.value)}>
                  {stats.clients.map((c) => (
                    <option key={c.clientId} value={c.clientId}>
                      {c.clientId}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <button type="button" className="btn-plain" onClick={() => void load()}>
            {t('common.refresh')}
          </button>
        </>
      }
    >
      <Notice kind="error">{error}</Notice>
      {stats && !client && (
        <p className="muted" data-testid="delivery-charts-empty">
          {t('chart.empty')}
        </p>
      )}
      {client && (
        <>
          <p className="muted">{t('chart.summary', { client: client.clientId, n: client.total })}</p>
          <div className="charts">
            <Chart
              testId="chart-delivered"
              title={t('chart.delivered')}
              yLabel={t('chart.perHour')}
              x={x}
              series={[{ label: t('chart.deliveredSeries'), values: client.delivered, color: '#1f6feb', bars: true }]}
            />
            <Chart
              testId="chart-latency"
              title={t('chart.latency')}
              yLabel={t('chart.seconds')}
              x={x}
              series={[
                { label: 'p50', values: client.p50Ms.map((v) => (v === null ? null : v / 1000)), color: '#2da44e' },
                { label: 'p95', values: client.p95Ms.map((v) => (v === null ? null : v / 1000)), color: '#cf222e' },
              ]}
            />
          </div>
        </>
      )}
    </Panel>
  );
}

interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  bars?: boolean;
}

/** one uPlot chart: hours on x (China time), the series on y with its unit */
function Chart({ title, yLabel, x, series, testId }: { title: string; yLabel: string; x: number[]; series: Series[]; testId: string }) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const bars = uPlot.paths.bars?.({ size: [0.6, 40] });
    const plot = new uPlot(
      {
        // the unit in the title too: the axis labels are drawn on the canvas, the title is text
        title: `${title} (${yLabel})`,
        width: Math.max(280, Math.min(560, el.clientWidth || 560)),
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), CHINA),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { label: t('chart.hourAxis') },
          // counts step by whole numbers
          {
            label: yLabel,
            size: 60,
            ...(series[0]?.bars ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] } : {}),
          },
        ],
        series: [
          { label: t('chart.hour') },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: s.bars ? `${s.color}66` : undefined,
            paths: s.bars ? bars : undefined,
            points: { show: !s.bars },
            spanGaps: false,
          })),
        ],
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [title, yLabel, x, series, t]);
  return <figure className="chart" data-testid={testId} aria-label={`${title} (${yLabel})`} ref={box} />;
}
