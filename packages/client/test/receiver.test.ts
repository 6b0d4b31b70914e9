/**
 * The Receiver through a long outage: every failed receive waits before the next try, and each wait
 * takes its stop listener with it — no listener piles up, however many times it retries; a message
 * that cannot be filed is rejected without holding up the rest; a resend is written once per attempt.
 */
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { expect, test } from 'vitest';
import { ReceivedJournal } from '../src/adapters/fs/received-journal.js';
import { Receiver } from '../src/core/receiver.js';
import type { IncomingMessage, Transport } from '../src/core/ports.js';

test('retrying through an outage leaves no stop listener behind; stop() ends the loop at once', async () => {
  let tries = 0;
  const transport = {
    receive: async () => {
      tries++;
      throw Object.assign(new Error('broker unreachable'), { retryable: true });
    },
  } as unknown as Transport;
  const receiver = new Receiver(
    {
      transport,
      route: () => null,
      journal: { has: () => false, add: async () => undefined },
      clock: { now: () => new Date() },
      logger: pino({ level: 'silent' }),
    },
    { waitMs: 10, batch: 10, retryBaseMs: 1, retryMaxMs: 2, pausedBackoffMs: 1 },
  );
  const signal = (receiver as unknown as { abort: AbortController }).abort.signal;
  receiver.start();
  while (tries < 40) await new Promise((r) => setTimeout(r, 5));
  expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(1);
  const stopping = Date.now();
  await receiver.stop();
  expect(Date.now() - stopping).toBeLessThan(1000);
});

test('a message that cannot be filed is rejected, not acknowledged nor written; the rest of the batch is filed', async () => {
  const settled: { acked: number[]; rejected: number[] } = { acked: [], rejected: [] };
  const batch: IncomingMessage[] = [
    { deliveryId: 1, messageId: 'POISON0001', business: 'declaration', fileName: '../escape.xml', body: '<a/>' },
    { deliveryId: 2, messageId: 'POISON0002', business: 'declaration', fileName: 'x.xml', body: '', problem: 'no x-osw-file-name header' },
    { deliveryId: 3, messageId: 'GOOD000001', business: 'declaration', fileName: 'Receipt_GOOD_1.xml', body: '<a/>' },
  ];
  let handed = false;
  const transport = {
    receive: async () => {
      if (handed) return new Promise<IncomingMessage[]>((r) => setTimeout(() => r([]), 20));
      handed = true;
      return batch;
    },
    ack: async (ids: readonly number[]) => void settled.acked.push(...ids),
    reject: async (ids: readonly number[]) => void settled.rejected.push(...ids),
  } as unknown as Transport;
  const written: string[] = [];
  const receiver = new Receiver(
    {
      transport,
      route: () => ({ writeInBoxMany: async (files) => void written.push(...files.map((f) => f.name)) }),
      journal: { has: () => false, add: async () => undefined },
      clock: { now: () => new Date() },
      logger: pino({ level: 'silent' }),
    },
    { waitMs: 10, batch: 10, retryBaseMs: 1, retryMaxMs: 2, pausedBackoffMs: 1 },
  );
  receiver.start();
  while (!settled.rejected.length) await new Promise((r) => setTimeout(r, 5));
  await receiver.stop();
  expect(written).toEqual(['Receipt_GOOD_1.xml']);
  expect(settled).toEqual({ acked: [3], rejected: [1, 2] });
  expect(receiver.rejected).toBe(2);
});

test('a batch is filed with one write per InBox, one journal write and one acknowledgement; duplicates are dropped by id', async () => {
  const calls: { acks: number[][]; journal: string[][]; writes: Record<string, string[][]> } = { acks: [], journal: [], writes: {} };
  const msg = (deliveryId: number, messageId: string, business: string): IncomingMessage => ({
    deliveryId,
    messageId,
    business,
    fileName: `Receipt_${messageId}_20261122100000000${deliveryId}.xml`,
    body: '<a/>',
  });
  const batch = [
    msg(1, 'MSG0000001', 'declaration'),
    msg(2, 'MSG0000002', 'manifest'),
    msg(3, 'MSG0000003', 'declaration'),
    msg(4, 'MSG0000001', 'declaration'), // the same message again in the same batch
    msg(5, 'KNOWN00001', 'manifest'), // written before (in the journal)
  ];
  let handed = false;
  const transport = {
    receive: async () => {
      if (handed) return new Promise<IncomingMessage[]>((r) => setTimeout(() => r([]), 20));
      handed = true;
      return batch;
    },
    ack: async (ids: readonly number[]) => void calls.acks.push([...ids]),
    reject: async () => undefined,
  } as unknown as Transport;
  const inBox = (business: string) => ({
    writeInBoxMany: async (files: readonly { name: string }[]) => void (calls.writes[business] ??= []).push(files.map((f) => f.name)),
  });
  const inBoxes = new Map([
    ['declaration', inBox('declaration')],
    ['manifest', inBox('manifest')],
  ]);
  const receiver = new Receiver(
    {
      transport,
      route: (m) => inBoxes.get(m.business)!,
      journal: { has: (id) => id === 'KNOWN00001', add: async (ids) => void calls.journal.push([...ids]) },
      clock: { now: () => new Date() },
      logger: pino({ level: 'silent' }),
    },
    { waitMs: 10, batch: 500, retryBaseMs: 1, retryMaxMs: 2, pausedBackoffMs: 1 },
  );
  receiver.start();
  while (!calls.acks.length) await new Promise((r) => setTimeout(r, 5));
  await receiver.stop();
  expect(calls.writes).toEqual({
    declaration: [[batch[0].fileName, batch[2].fileName]],
    manifest: [[batch[1].fileName]],
  });
  expect(calls.journal).toEqual([['MSG0000001', 'MSG0000002', 'MSG0000003']]);
  expect(calls.acks).toEqual([[1, 2, 3, 4, 5]]);
  expect(receiver.received).toBe(3);
  expect(receiver.duplicates).toBe(2);
});

test('a resend (重发) is written again though its message id was written; a redelivery of the message or of the same attempt is dropped, also after a restart', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-receiver-'));
  try {
    const journalDir = path.join(dir, 'state', 'received');
    const msg = (deliveryId: number, resend: number | undefined, stamp: string): IncomingMessage => ({
      deliveryId,
      messageId: 'DXPEDCPUSH000001DXPESW5300000001000000000001',
      business: 'Sas',
      fileName: `Receipt_M1_${stamp}.xml`,
      body: '<a/>',
      ...(resend ? { resend } : {}),
    });
    /** one receiver over a journal loaded from disk (a start of the client), handed these batches */
    async function run(batches: IncomingMessage[][]) {
      const journal = new ReceivedJournal(journalDir, 30);
      await journal.load(new Date());
      const acks: { ids: number[]; dropped: number[] }[] = [];
      const written: string[] = [];
      const queue = [...batches];
      const transport = {
        receive: async () => queue.shift() ?? new Promise<IncomingMessage[]>((r) => setTimeout(() => r([]), 20)),
        ack: async (ids: readonly number[], outcomes?: { dropped: readonly number[] }) =>
          void acks.push({ ids: [...ids], dropped: [...(outcomes?.dropped ?? [])] }),
        reject: async () => undefined,
      } as unknown as Transport;
      const receiver = new Receiver(
        {
          transport,
          route: () => ({ writeInBoxMany: async (files) => void written.push(...files.map((f) => f.name)) }),
          journal,
          clock: { now: () => new Date() },
          logger: pino({ level: 'silent' }),
        },
        { waitMs: 10, batch: 10, retryBaseMs: 1, retryMaxMs: 2, pausedBackoffMs: 1 },
      );
      receiver.start();
      while (acks.length < batches.length) await new Promise((r) => setTimeout(r, 5));
      await receiver.stop();
      return { acks, written, receiver };
    }
    const first = await run([
      [msg(1, undefined, '202611221000000000001')],
      // a redelivery of the message: dropped; the first resend attempt: written under its new name
      [msg(2, undefined, '202611221000000000001'), msg(3, 1, '202611221100000000001')],
      // the same attempt again (the broker redelivers it): dropped
      [msg(4, 1, '202611221100000000001')],
    ]);
    expect(first.written).toEqual(['Receipt_M1_202611221000000000001.xml', 'Receipt_M1_202611221100000000001.xml']);
    expect(first.acks).toEqual([
      { ids: [1], dropped: [] },
      { ids: [2, 3], dropped: [2] },
      { ids: [4], dropped: [4] },
    ]);
    expect([first.receiver.received, first.receiver.resends, first.receiver.duplicates]).toEqual([2, 1, 2]);
    // started again (after a crash): the journal on disk still knows the message and its first resend attempt
    const second = await run([
      [msg(1, 1, '202611221100000000001'), msg(2, undefined, '202611221000000000001')],
      [msg(3, 2, '202611221200000000001')],
    ]);
    expect(second.written).toEqual(['Receipt_M1_202611221200000000001.xml']);
    expect(second.acks).toEqual([
      { ids: [1, 2], dropped: [1, 2] },
      { ids: [3], dropped: [] },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
