/**
 * 成交方式代码表 — terms of delivery (transaction modes).
 *
 * Source: the customs parameter table of the 2018 declaration form (报关单参数表, published when the
 * customs and inspection declarations merged, 关检融合), as kept in the public repository snowlyg/BeeCustom
 * (file `excel/08.成交方式代码表.xlsx`, commit 4ce47d171e3d, May 2020).
 * Columns kept: 代码, 名称.
 * Transcribed from that file as it is; refresh it from the next public copy the same way.
 */
import { codeTable } from './table.js';

export const TRANSACTION_MODES = codeTable({
  zh: '成交方式代码表',
  en: 'terms of delivery (transaction modes)',
  complete: true,
  entries: [
    ['1', 'CIF'],
    ['2', 'C&F'],
    ['3', 'FOB'],
    ['4', 'C&I'],
    ['5', '市场价'],
    ['6', '垫仓'],
    ['7', 'EXW'],
  ],
});
