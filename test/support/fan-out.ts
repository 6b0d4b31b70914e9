/**
 * A subscription push fan-out for fault tests: an importer (收发货人) whose client is subscribed to
 * declaration data and receipts; declarations and their first receipts raised straight into the
 * store, each in its own transaction, as the exchange and the sandbox raise them. Then the check:
 * every push in the importer's InBox exactly once.
 */
import { fileStamp } from '@osw/messages';
import { raiseDeclarationData, raiseDeclarationReceipt } from '../../packages/platform/src/core/push/matching.js';
import type { Store } from '../../packages/platform/src/core/store.js';
import { declarationRow, receiptFor } from './declarations.js';
import { filesBelow } from '../helpers.js';

// a broker of its own: its declarations stay apart from those other streams of a test send
export const FAN_OUT_BROKER = '4403980009';
// an importer of its own: the example declaration (examples/declaration.xml) names 4403960002
export const FAN_OUT_OWNER = '4403960009';
/** the receipts raised per declaration; with its DecData_, each declaration makes 1 + this many pushes */
export const FAN_OUT_CHANNELS = ['7', 'L'];
export const PUSHES_PER_DECLARATION = 1 + FAN_OUT_CHANNELS.length;

/** Subscribes the owner's client to declaration data and the fan-out's receipt types for 30 days. */
export async function subscribeToFanOut(store: Store, s: { clientId: string; cardNo: string }): Promise<void> {
  const now = new Date();
  const until = new Date(now.getTime() + 30 * 86_400_000);
  await store.declarationSubscriptions.insert({
    enterpriseCode: FAN_OUT_OWNER,
    clientId: s.clientId,
    cardNo: s.cardNo,
    operatorAccount: 'owner01',
    operatorCode: 'QH0031',
    declarationData: true,
    receiptTypes: FAN_OUT_CHANNELS,
    channels: FAN_OUT_CHANNELS,
    validUntil: until.toISOString().slice(0, 10),
    expiresAt: until.toISOString(),
    cancelledAt: null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  });
}

export class FanOut {
  /** the receipt file names raised so far: each must arrive once */
  readonly receiptNames = new Set<string>();
  private raised = 0;

  constructor(private readonly store: Store) {}

  get declarations(): number {
    return this.raised;
  }

  get pushes(): number {
    return this.raised * PUSHES_PER_DECLARATION;
  }

  /** Raises `count` more declarations with their receipts (a short pause every 20, as a busy exchange would). */
  async raise(count: number): Promise<void> {
    for (let k = 0; k < count; k++) {
      const i = this.raised++;
      const at = new Date();
      // 统一编号 from a range the sandbox does not hand out (its own go E2026000…)
      const d = declarationRow({
        seqNo: `E20269${String(i).padStart(12, '0')}`,
        key: i,
        senderClientId: 'DXPESW9999999999',
        broker: FAN_OUT_BROKER,
        owner: FAN_OUT_OWNER,
        at: at.toISOString(),
      });
      await this.store.transaction(async (tx) => {
        await tx.declarations.insert(d);
        await raiseDeclarationData(tx, d, at);
        for (const channel of FAN_OUT_CHANNELS) {
          const r = receiptFor(d, channel, at, fileStamp(at, await tx.serials.next('fileStamp')));
          this.receiptNames.add(r.fileName);
          await raiseDeclarationReceipt(tx, d, r);
        }
      });
      if (k % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** What the InBox holds against what was raised: missing and duplicate pushes (both must be 0). */
  check(inBox: string): { files: string[]; data: string[]; receipts: string[]; missing: number; duplicates: number } {
    const files = filesBelow(inBox);
    const data = files.filter((f) => f.startsWith('DecData_'));
    const receipts = files.filter((f) => f.startsWith('Receipt_'));
    const dataSeqs = data.map((f) => /^DecData_(E\d+)_/.exec(f)![1]);
    const missing = [...this.receiptNames].filter((n) => !receipts.includes(n)).length + (this.raised - new Set(dataSeqs).size);
    const duplicates =
      files.length -
      new Set(files).size +
      (dataSeqs.length - new Set(dataSeqs).size) +
      receipts.filter((n) => !this.receiptNames.has(n)).length;
    return { files, data, receipts, missing, duplicates };
  }
}
