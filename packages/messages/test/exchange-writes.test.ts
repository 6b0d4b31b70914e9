/** `coalesceAmqpWrites`: the frames an amqplib connection writes in one turn leave the socket in one write. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { coalesceAmqpWrites } from '../src/exchange.js';

function countingSocket() {
  const writes: number[] = [];
  const stream = new Writable({
    write(_chunk, _enc, cb) {
      writes.push(1);
      cb();
    },
    writev(chunks, cb) {
      writes.push(chunks.length);
      cb();
    },
  });
  return { stream, writes };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('coalesceAmqpWrites', () => {
  it('sends what one turn wrote in one write, and each later turn in its own', async () => {
    const { stream, writes } = countingSocket();
    coalesceAmqpWrites({ connection: { stream } });
    for (let i = 0; i < 10; i++) stream.write(Buffer.from(`frame ${i}`));
    await turn();
    expect(writes).toEqual([10]);
    stream.write(Buffer.from('ack'));
    await turn();
    expect(writes).toEqual([10, 1]);
  });

  it('without it, every frame is a write of its own', async () => {
    const { stream, writes } = countingSocket();
    for (let i = 0; i < 10; i++) stream.write(Buffer.from(`frame ${i}`));
    await turn();
    expect(writes.length).toBeGreaterThan(1);
  });

  it('leaves anything that is not an amqplib connection alone', () => {
    expect(() => coalesceAmqpWrites({})).not.toThrow();
    expect(() => coalesceAmqpWrites(null)).not.toThrow();
    expect(() => coalesceAmqpWrites({ connection: { stream: {} } })).not.toThrow();
  });
});
