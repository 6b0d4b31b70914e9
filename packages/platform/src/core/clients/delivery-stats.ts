/**
 * Per-client delivery over the last hours: pushes delivered (下发成功) per hour and the delivery
 * latency — from the push being made to the client's acknowledgement — as p50 and p95 per hour.
 * One query for the enterprise's deliveries in the window; percentiles are counted here (the same
 * answer on SQLite and PostgreSQL).
 */
import type { Store } from '../store.js';

/** the most deliveries one answer counts (the answer says when it was cut) */
export const DELIVERY_STATS_MAX = 200_000;
const HOUR = 3_600_000;

export interface ClientDeliveryStats {
  clientId: string;
  /** per hour of `hours`: deliveries, and latency percentiles in ms (null: nothing delivered that hour) */
  delivered: number[];
  p50Ms: (number | null)[];
  p95Ms: (number | null)[];
  total: number;
}

export interface DeliveryStats {
  /** the start of each hour, oldest first (ISO instants) */
  hours: string[];
  clients: ClientDeliveryStats[];
  truncated: boolean;
}

/** the nearest-rank percentile of sorted values */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function deliveryStats(store: Store, enterpriseCode: string, now: Date, hourCount = 24): Promise<DeliveryStats> {
  const end = Math.floor(now.getTime() / HOUR) * HOUR + HOUR; // the end of the current hour
  const start = end - hourCount * HOUR;
  const hours = Array.from({ length: hourCount }, (_, i) => new Date(start + i * HOUR).toISOString());
  const rows = await store.pushes.deliveredSince(enterpriseCode, new Date(start).toISOString(), DELIVERY_STATS_MAX);
  const byClient = new Map<string, number[][]>();
  for (const r of rows) {
    const at = Date.parse(r.deliveredAt);
    const h = Math.floor((at - start) / HOUR);
    if (h < 0 || h >= hourCount) continue;
    let buckets = byClient.get(r.clientId);
    if (!buckets) byClient.set(r.clientId, (buckets = hours.map(() => [])));
    buckets[h].push(Math.max(0, at - Date.parse(r.createdAt)));
  }
  const clients = [...byClient.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([clientId, buckets]) => {
      const sorted = buckets.map((b) => b.sort((x, y) => x - y));
      return {
        clientId,
        delivered: sorted.map((b) => b.length),
        p50Ms: sorted.map((b) => percentile(b, 50)),
        p95Ms: sorted.map((b) => percentile(b, 95)),
        total: sorted.reduce((n, b) => n + b.length, 0),
      };
    });
  return { hours, clients, truncated: rows.length >= DELIVERY_STATS_MAX };
}
