/**
 * 用途代码表 — purposes of use.
 *
 * Source: the customs parameter table of the 2018 declaration form (报关单参数表, published when the
 * customs and inspection declarations merged, 关检融合), as kept in the public repository snowlyg/BeeCustom
 * (file `excel/19.用途代码表.xlsx`, commit 4ce47d171e3d, May 2020).
 * Columns kept: 代码, 中文名称.
 * Transcribed from that file as it is; refresh it from the next public copy the same way.
 */
import { codeTable } from './table.js';

export const PURPOSES = codeTable({
  zh: '用途代码表',
  en: 'purposes of use',
  complete: true,
  entries: [
    ['11', '种用或繁殖'],
    ['12', '食用'],
    ['13', '奶用'],
    ['14', '观赏或演艺'],
    ['15', '伴侣'],
    ['16', '实验'],
    ['17', '药用'],
    ['18', '饲用'],
    ['19', '食品包装材料'],
    ['20', '食品加工设备'],
    ['21', '食品添加剂'],
    ['22', '介质土'],
    ['23', '食品容器'],
    ['24', '食品洗涤剂'],
    ['25', '食品消毒剂'],
    ['26', '仅工业用途'],
    ['27', '化妆品'],
    ['28', '化妆品原料'],
    ['29', '肥料'],
    ['30', '保健品'],
    ['31', '治疗、预防、诊断'],
    ['32', '科研'],
    ['33', '展览展示'],
    ['99', '其他'],
  ],
});
