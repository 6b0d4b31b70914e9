/** The customs code tables the declaration rules check against; each module names its public source. */
export { codeTable, type CodeEntry, type CodeTable } from './table.js';
export { COUNTRIES } from './countries.js';
export { CURRENCIES } from './currencies.js';
export { CUSTOMS_AREAS } from './customs-areas.js';
export { CUT_MODES } from './cut-modes.js';
export { DOMESTIC_PORTS } from './domestic-ports.js';
export { DUTY_MODES } from './duty-modes.js';
export { PORTS } from './ports.js';
export { PURPOSES } from './purposes.js';
export { TRADE_MODES } from './trade-modes.js';
export { TRANSACTION_MODES } from './transaction-modes.js';
export { TRANSPORT_MODES } from './transport-modes.js';
export { UNITS } from './units.js';
export { WRAP_TYPES } from './wrap-types.js';

/**
 * HS chapters (章) of the Harmonized System as China's tariff uses them: 01–97, chapter 77 reserved for
 * future use. No public copy of the full 10-digit tariff (税则号列) could be grounded, so CodeTS is checked
 * for 10 digits in a valid chapter.
 */
export function isHsChapter(chapter: string): boolean {
  if (!/^\d{2}$/.test(chapter)) return false;
  const n = Number(chapter);
  return n >= 1 && n <= 97 && n !== 77;
}
