/** Identifier rules seen on the wire (DESIGN.md §4). Pure: callers supply clock values and serials. */

function digits(n: number | bigint, width: number): string {
  const s = String(n);
  if (s.length > width || !/^\d+$/.test(s)) throw new RangeError(`serial ${s} does not fit ${width} digits`);
  return s.padStart(width, '0');
}

/** 统一编号 SeqNo / CUS_CIQ_NO: `E` + year + 13 digits, e.g. `E20190000357524667`. */
export function declarationSeqNo(year: number, serial: number | bigint): string {
  return `E${digits(year, 4)}${digits(serial, 13)}`;
}
export const SEQ_NO_PATTERN = /^E\d{17}$/;

/** 海关编号 ENTRY_ID: customs 4 + year 4 + I/E (0 import, 1 export) + serial 9 = 18 digits. */
export function entryId(customs: string, year: number, ieFlag: 'I' | 'E', serial: number): string {
  if (!/^\d{4}$/.test(customs)) throw new RangeError(`customs code ${customs} is not 4 digits`);
  return `${customs}${digits(year, 4)}${ieFlag === 'I' ? '0' : '1'}${digits(serial, 9)}`;
}
export const ENTRY_ID_PATTERN = /^\d{18}$/;

/** Receipt sequence cusRetSeqNo: 18 digits (year + 14). */
export function receiptSeqNo(year: number, serial: number | bigint): string {
  return `${digits(year, 4)}${digits(serial, 14)}`;
}

/** Import client id: `DXPESW` + 10 digits (`DXPENT` + 10 for cross-border e-commerce). */
export const CLIENT_ID_PATTERN = /^DXPE(SW|NT)\d{10}$/;

/** DXP message id: sender id + receiver id + timestamp + serial. */
export function dxpMessageId(senderId: string, receiverId: string, stamp: string): string {
  return `${senderId}${receiverId}${stamp}`;
}

/** 海关十位编码: 10 characters (digits and capital letters). */
export const CUSTOMS_CODE_PATTERN = /^[0-9A-Z]{10}$/;
/** 统一社会信用代码: 18 characters. */
export const USCC_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
/** IC card number: 13 digits. */
export const CARD_NO_PATTERN = /^\d{13}$/;
