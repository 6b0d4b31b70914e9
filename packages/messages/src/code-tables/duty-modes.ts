/**
 * 征减免税方式代码表 — duty modes.
 *
 * Source: the customs parameter table of the 2018 declaration form (报关单参数表, published when the
 * customs and inspection declarations merged, 关检融合), as kept in the public repository snowlyg/BeeCustom
 * (file `excel/12.征减免税方式代码表.xlsx`, commit 4ce47d171e3d, May 2020).
 * Columns kept: 代码, 名称.
 * Transcribed from that file as it is; refresh it from the next public copy the same way.
 */
import { codeTable } from './table.js';

export const DUTY_MODES = codeTable({
  zh: '征减免税方式代码表',
  en: 'duty modes',
  complete: true,
  entries: [
    ['1', '照章征税'],
    ['2', '折半征税'],
    ['3', '全免'],
    ['4', '特案'],
    ['5', '随征免性质'],
    ['6', '保证金'],
    ['7', '保函'],
    ['8', '折半补税'],
    ['9', '全额退税'],
  ],
});
