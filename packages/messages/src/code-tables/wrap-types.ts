/**
 * 包装种类代码表 — kinds of packages.
 *
 * Source: the customs parameter table of the 2018 declaration form (报关单参数表, published when the
 * customs and inspection declarations merged, 关检融合), as kept in the public repository snowlyg/BeeCustom
 * (file `excel/13.包装种类代码表.xlsx`, commit 4ce47d171e3d, May 2020).
 * Columns kept: 国标码 (the code of the 2018 form), 中文名称, 原报关代码.
 * Transcribed from that file as it is; refresh it from the next public copy the same way.
 */
import { codeTable } from './table.js';

export const WRAP_TYPES = codeTable({
  zh: '包装种类代码表',
  en: 'kinds of packages',
  complete: true,
  entries: [
    ['00', '散装', '4'],
    ['01', '裸装', '7'],
    ['04', '球状罐类', '7'],
    ['06', '包/袋', '6'],
    ['22', '纸制或纤维板制盒/箱', '2'],
    ['23', '木制或竹藤等植物性材料制盒/箱', '1'],
    ['29', '其他材料制盒/箱', '7'],
    ['32', '纸制或纤维板制桶', '3'],
    ['33', '木制或竹藤等植物性材料制桶', '3'],
    ['39', '其他材料制桶', '3'],
    ['92', '再生木托', '5'],
    ['93', '天然木托', '5'],
    ['98', '植物性铺垫材料', '7'],
    ['99', '其他包装', '7'],
  ],
});
