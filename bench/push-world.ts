/** The push bench's world: importers with clients and subscriptions, declarations, and receipts raised one or a batch at a time. */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileStamp } from '@osw/messages';
import { acknowledgeDeliveries, takeDeliveries } from '../packages/platform/src/core/exchange/outbound.js';
import { InProcessNotifier } from '../packages/platform/src/adapters/memory-notifier.js';
import type { OpenedStore } from '../packages/platform/src/adapters/sqlite/open.js';
import { raiseDeclarationReceipt, raiseDeclarationReceipts, type ReceiptToRaise } from '../packages/platform/src/core/push/matching.js';
import { silentLogger, systemClock, type PlatformDeps } from '../packages/platform/src/core/ports.js';
import type { DeclarationRow, DeliveryRow } from '../packages/platform/src/core/store.js';
import { declarationRow, receiptFor } from '../test/support/declarations.js';

const CHANNELS = JSON.stringify(['7', 'L', 'J', 'G', 'C', 'P', 'R', 'E', 'Z', 'Y']);
export const code = (i: number) => `44${String(i).padStart(8, '0')}`;
export const client = (i: number) => `DXPESW${String(i).padStart(10, '0')}`;
export const seq = (i: number) => `E2026${String(i).padStart(13, '0')}`;

async function chunked<T>(rows: T[], size: number, fn: (part: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await fn(rows.slice(i, i + size));
}

/**
 * `parties` importers (收发货人), each with a client and one declaration subscription to it;
 * `declarations` declarations spread over them (sent by a broker); plus `extra` receipt
 * subscriptions of other enterprises and documents that match none of them.
 */
export async function seed(o: OpenedStore, parties: number, declarations: number, extra: number): Promise<void> {
  const at = new Date().toISOString();
  const until = new Date(Date.now() + 300 * 86_400_000).toISOString();
  const noise = 1000;
  await o.db.transaction().execute(async (db) => {
    const ents = Array.from({ length: parties + noise }, (_, i) => ({
      customsCode: code(i),
      uscc: `91440300MA${String(i).padStart(8, '0')}`,
      name: `企业${i}`,
      region: '5300',
      createdAt: at,
    }));
    await chunked(ents, 500, (p) => db.insertInto('enterprises').values(p).execute());
    const clients = Array.from({ length: parties }, (_, i) => ({
      clientId: client(i),
      enterpriseCode: code(i),
      region: '5300',
      version: '2.0',
      transport: 'http' as const,
      environment: 'test' as const,
      secretHash: 'x',
      status: 'active' as const,
      deviceFingerprint: null,
      deviceBoundAt: null,
      createdAt: at,
    }));
    await chunked(clients, 500, (p) => db.insertInto('clients').values(p).execute());
    const broker = code(parties);
    const decs = Array.from({ length: declarations }, (_, i) =>
      declarationRow({ seqNo: seq(i), key: i, senderClientId: 'DXPESW9999999999', broker, owner: code(i % parties), at }),
    );
    await chunked(decs, 500, (p) => db.insertInto('declarations').values(p).execute());
    const subs = Array.from({ length: parties }, (_, i) => ({
      enterpriseCode: code(i),
      clientId: client(i),
      cardNo: '8950000000001',
      operatorAccount: 'op',
      operatorCode: 'QH0001',
      declarationData: 1,
      receiptTypesJson: '[]',
      channelsJson: CHANNELS,
      validUntil: until.slice(0, 10),
      expiresAt: until,
      cancelledAt: null,
      createdAt: at,
      updatedAt: at,
    }));
    await chunked(subs, 500, (p) => db.insertInto('declarationSubscriptions').values(p).execute());
    // the rest: receipt subscriptions by document (other documents) and by enterprise (other enterprises)
    for (let i = 0; i < extra; i += 5000) {
      const part = Array.from({ length: Math.min(5000, extra - i) }, (_, k) => {
        const n = i + k;
        const byDoc = n % 2 === 0;
        return {
          enterpriseCode: code(parties + (n % noise)),
          pushMethod: 'app' as const,
          mode: byDoc ? ('document' as const) : ('enterprise' as const),
          documentNo: byDoc ? `X${n}` : null,
          seqNo: byDoc ? `E2099${String(n).padStart(13, '0')}` : null,
          phone: null,
          clientId: null,
          operatorCardNo: null,
          operatorAccount: 'op',
          operatorCode: `Q${n % 5000}`,
          cancelledAt: null,
          createdAt: at,
        };
      });
      await chunked(part, 500, (p) => db.insertInto('receiptSubscriptions').values(p).execute());
    }
  });
}

export function deps(o: OpenedStore): PlatformDeps {
  return { store: o.store, clock: systemClock, logger: silentLogger, notifier: new InProcessNotifier() };
}

export async function raise(d: PlatformDeps, i: number, channel: string): Promise<number> {
  const now = new Date();
  return d.store.transaction(async (tx) => {
    const dec = (await tx.declarations.get(seq(i)))!;
    const r = receiptFor(dec, channel, now, fileStamp(now, await tx.serials.next('fileStamp')));
    return raiseDeclarationReceipt(tx, dec, r);
  });
}

/** A batch of receipts for declarations `from`…`from + n - 1`, raised in one transaction (as a customs gateway hands them over). */
export async function raiseBatch(o: OpenedStore, d: PlatformDeps, from: number, n: number, channel: string): Promise<number> {
  const now = new Date();
  // the gateway's batch: its declarations read at once, its file stamps from one serial range
  const decs = new Map(
    (
      await o.db
        .selectFrom('declarations')
        .selectAll()
        .where(
          'seqNo',
          'in',
          Array.from({ length: n }, (_, k) => seq(from + k)),
        )
        .execute()
    ).map((r) => [r.seqNo, r as DeclarationRow]),
  );
  return d.store.transaction(async (tx) => {
    const items: ReceiptToRaise[] = [];
    const first = await tx.serials.nextMany('fileStamp', n);
    for (let i = from; i < from + n; i++) {
      items.push(receiptFor(decs.get(seq(i))!, channel, now, fileStamp(now, first + i - from)));
    }
    return (await raiseDeclarationReceipts(tx, items)).reduce((a, b) => a + b, 0);
  });
}

/**
 * Receivers like the import clients', one per client and side by side (each client runs its own, as the
 * platform's long polls and RabbitMQ forwarders serve each client on its own): each takes up to 500 of
 * its client's queue when the notifier says something was queued for it (as the HTTP long poll does; at
 * least each 100 ms), writes each file into `inBox` (temporary name, then renamed; no fsync), calls
 * `filed` and acknowledges. Run until `done()`; resolves with how many files they wrote.
 */
export async function consume(
  d: PlatformDeps,
  inBox: string,
  clients: readonly string[],
  done: () => boolean,
  filed: (row: DeliveryRow, at: number) => void,
): Promise<number> {
  let written = 0;
  const ready = new Set<string>();
  const wakes = new Map<string, () => void>();
  const off = d.notifier.subscribe((clientId) => {
    ready.add(clientId);
    wakes.get(clientId)?.();
  });
  const receiver = async (c: string) => {
    while (!done()) {
      if (!ready.has(c)) await new Promise<void>((r) => (wakes.set(c, r), setTimeout(r, 100)));
      ready.delete(c);
      const rows = await takeDeliveries(d, c, 500);
      if (!rows.length) continue;
      if (rows.length === 500) ready.add(c);
      for (const r of rows) {
        const tmp = path.join(inBox, `${r.fileName}.tmp`);
        writeFileSync(tmp, r.body);
        renameSync(tmp, path.join(inBox, r.fileName));
        filed(r, performance.now());
      }
      written += rows.length;
      await acknowledgeDeliveries(
        d,
        c,
        rows.map((r) => r.id),
      );
    }
  };
  try {
    await Promise.all(clients.map(receiver));
  } finally {
    off();
  }
  return written;
}
