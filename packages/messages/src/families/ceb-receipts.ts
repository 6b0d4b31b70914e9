/**
 * The business receipts (回执) of the CEB declarations, 2022-05 import schema: which receipt answers
 * which declared type, the fields it carries back, the life its returnStatus takes, and a builder
 * that writes every receipt row in the schema's order. docs/sandbox.md says what the sandbox sends.
 *
 * | declared | receipt | section → return section | normal life |
 * |---|---|---|---|
 * | CEB311 电子订单 | CEB312 | Order → OrderReturn | 2 → 120 → 399 |
 * | CEB411 支付凭证 | CEB412 | Payment → PaymentReturn | 2 → 120 → 399 |
 * | CEB511 物流运单 | CEB512 | Logistics → LogisticsReturn | 2 → 120 → 399 |
 * | CEB513 运单状态 | CEB514 | LogisticsStatus → LogisticsStatusReturn | 2 → 399 (its schema lists no 120) |
 * | CEB621 进口清单 | CEB622 | Inventory → InventoryReturn | 2 → 120 (清单编号 invtNo) → 800 放行 |
 * | CEB623 撤销申请单 | CEB624 | InvtCancel → InvtCancelReturn | 2 → 120 → 399 |
 * | CEB625 退货申请单 | CEB626 | InvtRefund → InvtRefundReturn | 2 → 120 → 399 |
 * | CEB711 入库明细单 | CEB712 | Delivery → DeliveryReturn | 2 → 120 (入库单编号 rkdNo) → 399 |
 *
 * A section declared with appStatus 1 (暂存) is answered 1 电子口岸已暂存 and goes no further.
 */
import { CEB_RETURN_STATUS } from './ceb-status.js';
import {
  DELIVERY_RETURN_RULES,
  INVENTORY_RETURN_RULES,
  INVT_CANCEL_RETURN_RULES,
  INVT_REFUND_RETURN_RULES,
  LOGISTICS_RETURN_RULES,
  LOGISTICS_STATUS_RETURN_RULES,
  ORDER_RETURN_RULES,
  PAYMENT_RETURN_RULES,
  type CebFieldRule,
} from './ceb-rules.js';
import type { CebFields, CebMessage, CebMessageType, CebSection } from './ceb.js';

export interface CebReceiptSpec {
  /** the declared type, e.g. `CEB311` */
  declared: CebMessageType;
  /** its receipt, e.g. `CEB312` */
  receipt: CebMessageType;
  /** the declared business section, e.g. `Order` */
  section: string;
  /** the receipt's section, e.g. `OrderReturn` */
  returnSection: string;
  /** the receipt row's fields, in schema order */
  rules: readonly CebFieldRule[];
  /** returnStatus after the e-port's 2: customs' steps of a normal life, the last one final */
  life: readonly string[];
  /** the number customs gives at 120 (海关入库) and every later receipt carries: 清单编号 or 入库单编号 */
  customsNo?: 'invtNo' | 'rkdNo';
}

/** Every declared import type of the 2022-05 schema that has a receipt, with that receipt. */
export const CEB_RECEIPT_SPECS: readonly CebReceiptSpec[] = [
  {
    declared: 'CEB311',
    receipt: 'CEB312',
    section: 'Order',
    returnSection: 'OrderReturn',
    rules: ORDER_RETURN_RULES,
    life: ['120', '399'],
  },
  {
    declared: 'CEB411',
    receipt: 'CEB412',
    section: 'Payment',
    returnSection: 'PaymentReturn',
    rules: PAYMENT_RETURN_RULES,
    life: ['120', '399'],
  },
  {
    declared: 'CEB511',
    receipt: 'CEB512',
    section: 'Logistics',
    returnSection: 'LogisticsReturn',
    rules: LOGISTICS_RETURN_RULES,
    life: ['120', '399'],
  },
  {
    declared: 'CEB513',
    receipt: 'CEB514',
    section: 'LogisticsStatus',
    returnSection: 'LogisticsStatusReturn',
    rules: LOGISTICS_STATUS_RETURN_RULES,
    life: ['399'],
  },
  {
    declared: 'CEB621',
    receipt: 'CEB622',
    section: 'Inventory',
    returnSection: 'InventoryReturn',
    rules: INVENTORY_RETURN_RULES,
    life: ['120', '800'],
    customsNo: 'invtNo',
  },
  {
    declared: 'CEB623',
    receipt: 'CEB624',
    section: 'InvtCancel',
    returnSection: 'InvtCancelReturn',
    rules: INVT_CANCEL_RETURN_RULES,
    life: ['120', '399'],
  },
  {
    declared: 'CEB625',
    receipt: 'CEB626',
    section: 'InvtRefund',
    returnSection: 'InvtRefundReturn',
    rules: INVT_REFUND_RETURN_RULES,
    life: ['120', '399'],
  },
  {
    declared: 'CEB711',
    receipt: 'CEB712',
    section: 'Delivery',
    returnSection: 'DeliveryReturn',
    rules: DELIVERY_RETURN_RULES,
    life: ['120', '399'],
    customsNo: 'rkdNo',
  },
];

const BY_DECLARED = new Map(CEB_RECEIPT_SPECS.map((s) => [s.declared as string, s]));
const BY_RECEIPT = new Map(CEB_RECEIPT_SPECS.map((s) => [s.receipt as string, s]));

/** The receipt of a declared type (`CEB311` → CEB312 …), or undefined for a type that has none. */
export function cebReceiptSpec(declared: string): CebReceiptSpec | undefined {
  return BY_DECLARED.get(declared);
}

/** The spec a receipt type belongs to (`CEB312` → the CEB311 row). */
export function cebReceiptSpecOf(receipt: string): CebReceiptSpec | undefined {
  return BY_RECEIPT.get(receipt);
}

/** returnStatus 2 电子口岸申报中: the e-port took a declared (appStatus 2) section. */
export const CEB_DECLARED_STATUS = '2';
/** returnStatus 1 电子口岸已暂存: a section sent with appStatus 1 (暂存) stops there. */
export const CEB_SAVED_STATUS = '1';

/** A declared section saved only (appStatus 1 暂存), not declared. */
export function cebSectionSaved(s: CebSection): boolean {
  return (s.head ?? s.fields).appStatus?.trim() === '1';
}

/** The business sections of a declared message that its receipt answers, in order. */
export function cebDeclaredSections(spec: CebReceiptSpec, msg: CebMessage): CebSection[] {
  return msg.sections.filter((s) => s.name === spec.section);
}

const TAIL = new Set(['returnStatus', 'returnTime', 'returnInfo']);

/**
 * The key fields a receipt row carries back for a declared section, in schema order: each from the
 * section's head (or its own fields, for the head-less CEB513/CEB623), the numbers the e-port and
 * customs gave (`preNo`, `invtNo`, `rkdNo`) from `numbers`, over what the sender wrote. A field the
 * sender left empty is left out; one the receipt must carry then makes it fail `validateCeb`.
 * A declared 清单编号 the receipt cannot carry (CEB624/626 want exactly 18 characters) is left out.
 */
export function cebReturnKeys(
  spec: CebReceiptSpec,
  s: CebSection,
  numbers: Partial<Record<'preNo' | 'invtNo' | 'rkdNo', string>>,
): CebFields {
  const from = s.head ?? s.fields;
  const out: CebFields = {};
  for (const r of spec.rules) {
    if (TAIL.has(r.name)) continue;
    const v = (numbers[r.name as keyof typeof numbers] ?? from[r.name] ?? '').trim();
    if (v === '' || (r.length !== undefined && !r.required && [...v].length !== r.length)) continue;
    out[r.name] = v;
  }
  return out;
}

/** What one receipt row says: its status, when and why. */
export interface CebReturnOutcome {
  returnStatus: string;
  /** `yyyyMMddHHmmssfff`, China time */
  returnTime: string;
  returnInfo: string;
}

/**
 * A receipt message (CEB312, CEB622, …) with one row per answered section: the row's key fields
 * (`cebReturnKeys`) and the outcome, written in the schema's order. `guid` is the receipt's own.
 */
export function cebReturnMessage(input: {
  spec: CebReceiptSpec;
  guid: string;
  version?: string;
  rows: readonly { keys: CebFields; outcome: CebReturnOutcome }[];
}): CebMessage {
  const { spec } = input;
  return {
    messageType: spec.receipt,
    guid: input.guid,
    version: input.version ?? '1.0',
    sections: input.rows.map(({ keys, outcome }) => {
      const row: Record<string, string> = { ...keys, ...outcome, returnInfo: outcome.returnInfo.slice(0, 1000) };
      const fields: CebFields = {};
      for (const r of spec.rules) if (row[r.name] !== undefined) fields[r.name] = row[r.name];
      return { name: spec.returnSection, lists: [], fields };
    }),
  };
}

/** The words of a returnStatus as a receipt says them (`120` → 海关入库). */
export function cebReturnWords(code: string): string {
  return CEB_RETURN_STATUS.find((s) => s.code === code)?.zh ?? (/^-\d+$/.test(code) ? '处理异常' : code);
}
