/**
 * 运输方式代码表 — modes of transport.
 *
 * Source: the customs parameter table of the 2018 declaration form (报关单参数表, published when the
 * customs and inspection declarations merged, 关检融合), as kept in the public repository snowlyg/BeeCustom
 * (file `excel/02.运输方式代码表.xlsx`, commit 4ce47d171e3d, May 2020).
 * Columns kept: 代码, 中文名称.
 * Transcribed from that file as it is; refresh it from the next public copy the same way.
 */
import { codeTable } from './table.js';

export const TRANSPORT_MODES = codeTable({
  zh: '运输方式代码表',
  en: 'modes of transport',
  complete: true,
  entries: [
    ['0', '非保税区'],
    ['1', '监管仓库'],
    ['2', '水路运输'],
    ['3', '铁路运输'],
    ['4', '公路运输'],
    ['5', '航空运输'],
    ['6', '邮件运输'],
    ['7', '保税区'],
    ['8', '保税仓库'],
    ['9', '其他方式运输'],
    ['G', '固定设施运输'],
    ['H', '边境特殊海关作业区'],
    ['L', '旅客携带'],
    ['T', '综合实验区'],
    ['W', '物流中心'],
    ['X', '物流园区'],
    ['Y', '保税港区'],
    ['Z', '出口加工区'],
  ],
});
