/**
 * The Receiver through a long outage: every failed receive waits before the next try, and each wait
 * takes its stop listener with it — no listener piles up, however many times it retries.
 */
import { getEventListeners } from 'node:events';
import pino from 'pino';
import { expect, test } from 'vitest';
import { Receiver } from '../src/core/receiver.js';
import type { Transport } from '../src/core/ports.js';

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
