/**
 * 货币代码表 — currencies.
 *
 * Source: the customs parameter table of the 2018 declaration form (报关单参数表, published when the
 * customs and inspection declarations merged, 关检融合), as kept in the public repository snowlyg/BeeCustom
 * (file `excel/09.货币代码表.xlsx`, commit 4ce47d171e3d, May 2020).
 * Columns kept: 代码 (ISO 4217 letters), 中文名称, 英文名称, 原报关代码 (the 3-digit code of the pre-2018 form).
 * Transcribed from that file as it is; refresh it from the next public copy the same way.
 */
import { codeTable } from './table.js';

export const CURRENCIES = codeTable({
  zh: '货币代码表',
  en: 'currencies',
  complete: true,
  entries: [
    ['AUD', '澳大利亚元', 'Australian Dollar', '601'],
    ['CAD', '加拿大元', 'Canadian Dollar', '501'],
    ['CHF', '瑞士法郎', 'Swiss Franc', '331'],
    ['CNY', '人民币', 'Yuan Renminbi', '142'],
    ['DKK', '丹麦克朗', 'Danish Krone', '302'],
    ['EUR', '欧元', 'Euro', '300'],
    ['GBP', '英镑', 'Pound Sterling', '303'],
    ['HKD', '港币', 'Hong Kong Dollar', '110'],
    ['IDR', '印度尼西亚卢比', 'Rupiah', '112'],
    ['JPY', '日本元', 'Yen', '116'],
    ['KRW', '韩国圆', 'Won', '133'],
    ['MOP', '澳门元', 'Pataca', '121'],
    ['MYR', '马来西亚林吉特', 'Malaysian Ringgit', '122'],
    ['NOK', '挪威克朗', 'Norwegian Krone', '326'],
    ['NZD', '新西兰元', 'New Zealand Dollar', '609'],
    ['PHP', '菲律宾比索', 'Philippine Piso', '129'],
    ['RUB', '俄罗斯卢布', 'Russian Ruble', '344'],
    ['SEK', '瑞典克朗', 'Swedish Krona', '330'],
    ['SGD', '新加坡元', 'Singapore Dollar', '132'],
    ['THB', '泰国铢', 'Baht', '136'],
    ['TWD', '新台币', 'New Taiwan Dollar', '143'],
    ['USD', '美元', 'US Dollar', '502'],
  ],
});
