/** The exchange's W3C traceparent: read strictly, written once, never a reason to refuse a message. */
import { describe, expect, it } from 'vitest';
import {
  EXCHANGE_HEADER,
  formatTraceparent,
  MessageBatchSchema,
  messageHeaders,
  parseTraceparent,
  traceparentOf,
} from '../src/exchange.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent on the exchange', () => {
  it('reads a W3C traceparent and writes it back the same', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(formatTraceparent(parseTraceparent(VALID)!)).toBe(VALID);
    expect(parseTraceparent(VALID.replace(/01$/, '00'))?.sampled).toBe(false);
    expect(traceparentOf(` ${VALID} `)).toBe(VALID);
  });

  it('anything else is no traceparent: another version, all-zero ids, upper case, a number, junk', () => {
    for (const bad of [
      VALID.replace(/^00/, 'ff'),
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      VALID.toUpperCase(),
      `${VALID}-extra`,
      42,
      undefined,
      'x'.repeat(10_000),
    ]) {
      expect(parseTraceparent(bad)).toBeNull();
      expect(traceparentOf(bad)).toBeUndefined();
    }
  });

  it('goes with a message only when there is one; a batch with a bad one is still a batch', () => {
    expect(messageHeaders({ fileName: 'a.xml', business: 'declaration' })).not.toHaveProperty(EXCHANGE_HEADER.traceparent);
    expect(messageHeaders({ fileName: 'a.xml', business: 'declaration', traceparent: VALID })[EXCHANGE_HEADER.traceparent]).toBe(VALID);
    const m = { messageId: 'DXPESW5300000001T1', fileName: 'a.xml', business: 'declaration', body: '' };
    expect(MessageBatchSchema.safeParse({ messages: [{ ...m, traceparent: VALID }, { ...m, traceparent: 7 }, m] }).success).toBe(true);
  });
});
