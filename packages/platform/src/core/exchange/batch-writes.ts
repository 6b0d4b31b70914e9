/**
 * What a batch's import writes as sets before it commits, instead of a statement per message: its
 * inbound messages and its accepted declarations (multi-row inserts), and the SeqNos its
 * declarations take, reserved as one block whose unused tail is given back. Used on the batch's fast
 * path only: should anything fail, the whole transaction is rolled back (with the block), and the
 * batch is imported again one message at a time.
 */
import type { DeclarationInsertOptions, DeclarationRow } from '../declarations/store.js';
import type { Store } from '../store.js';
import type { InboundRow } from './store.js';

export class BatchWrites {
  readonly inbound: InboundRow[] = [];
  readonly declarations: { row: DeclarationRow; opts: DeclarationInsertOptions }[] = [];
  private readonly blocks = new Map<string, { next: number; last: number }>();

  /** `blockSize`: how many values of a serial the batch may take (its declarations) */
  constructor(
    private readonly tx: Store,
    private readonly blockSize: number,
  ) {}

  /** The next value of a serial, from the batch's block (reserved at the first call, in the batch's transaction). */
  async serial(name: string): Promise<number> {
    let block = this.blocks.get(name);
    if (!block || block.next > block.last) {
      const size = Math.max(1, this.blockSize);
      const first = await this.tx.serials.nextMany(name, size);
      block = { next: first, last: first + size - 1 };
      this.blocks.set(name, block);
    }
    return block.next++;
  }

  /**
   * Writes the rows and gives back the serial values not taken (the transaction holds the serials'
   * rows since it reserved them: nothing was taken after). False, with the declarations not all
   * written, when another instance took one of their ClientSeqNos a moment ago: the caller rolls
   * the batch back and imports it again one message at a time, which refuses that one alone.
   */
  async flush(): Promise<boolean> {
    if (this.declarations.length) {
      const written = await this.tx.declarations.insertMany(this.declarations);
      if (written.size < this.declarations.length) return false;
    }
    if (this.inbound.length) await this.tx.inbound.insertMany(this.inbound);
    for (const [name, b] of this.blocks) if (b.next <= b.last) await this.tx.serials.giveBack(name, b.last - b.next + 1, b.last);
    return true;
  }
}
