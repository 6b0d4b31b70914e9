/**
 * Field rules of the CEB 2022-05 import schema (海关跨境进口业务节点报文定义202205.xsd) for the
 * entities we validate: element order, required (minOccurs), lengths, decimal digits, and the
 * enumerations the schema documentation states in words (the XSD itself has no xs:enumeration).
 * Generated once from the XSD; keep in step with fixtures/ceb-2022/xsd.
 */

export interface CebFieldRule {
  /** element local name */
  name: string;
  /** short Chinese name, used in problem messages */
  zh: string;
  /** minOccurs = 1 and minLength = 1 (or a fixed length) */
  required: boolean;
  /** xs:length */
  length?: number;
  /** xs:maxLength */
  maxLength?: number;
  /** xs:decimal with [totalDigits, fractionDigits] */
  decimal?: readonly [number, number];
  /** xs:int */
  integer?: boolean;
  /** xs:totalDigits of an xs:int */
  maxDigits?: number;
  /** allowed values, from the schema documentation */
  oneOf?: readonly string[];
  /** a format the schema documentation states (dates) */
  pattern?: RegExp;
}

/** OrderHead (CEB311) */
export const ORDER_HEAD_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'appType', zh: '报送类型', required: true, length: 1, oneOf: ['1', '2', '3'] },
  { name: 'appTime', zh: '报送时间', required: true, length: 14, pattern: /^\d{14}$/ },
  { name: 'appStatus', zh: '业务状态', required: true, maxLength: 3, oneOf: ['1', '2'] },
  { name: 'orderType', zh: '订单类型', required: true, length: 1, oneOf: ['I'] },
  { name: 'orderNo', zh: '订单编号', required: true, maxLength: 60 },
  { name: 'ebpCode', zh: '电商平台代码', required: true, maxLength: 18 },
  { name: 'ebpName', zh: '电商平台名称', required: true, maxLength: 100 },
  { name: 'ebcCode', zh: '电商企业代码', required: true, maxLength: 18 },
  { name: 'ebcName', zh: '电商企业名称', required: true, maxLength: 100 },
  { name: 'goodsValue', zh: '商品价格', required: true, decimal: [19, 5] },
  { name: 'freight', zh: '运杂费', required: true, decimal: [19, 5] },
  { name: 'discount', zh: '非现金抵扣金额', required: true, decimal: [19, 5] },
  { name: 'taxTotal', zh: '代扣税款', required: true, decimal: [19, 5] },
  { name: 'acturalPaid', zh: '实际支付金额', required: true, decimal: [19, 5] },
  { name: 'currency', zh: '币制', required: true, length: 3 },
  { name: 'buyerRegNo', zh: '订购人注册号', required: true, maxLength: 60 },
  { name: 'buyerName', zh: '订购人姓名', required: true, maxLength: 60 },
  { name: 'buyerTelephone', zh: '订购人电话', required: true, maxLength: 30 },
  { name: 'buyerIdType', zh: '订购人证件类型', required: true, length: 1, oneOf: ['1', '2'] },
  { name: 'buyerIdNumber', zh: '订购人证件号码', required: true, maxLength: 60 },
  { name: 'payCode', zh: '支付企业代码', required: false, maxLength: 18 },
  { name: 'payName', zh: '支付企业名称', required: false, maxLength: 100 },
  { name: 'payTransactionId', zh: '支付交易编号', required: false, maxLength: 60 },
  { name: 'batchNumbers', zh: '商品批次号', required: false, maxLength: 100 },
  { name: 'consignee', zh: '收货人姓名', required: true, maxLength: 100 },
  { name: 'consigneeTelephone', zh: '收货人电话', required: true, maxLength: 50 },
  { name: 'consigneeAddress', zh: '收货地址', required: true, maxLength: 200 },
  { name: 'consigneeDistrict', zh: '收货地址行政区划代码', required: false, length: 6 },
  { name: 'note', zh: '备注', required: false, maxLength: 1000 },
];

/** OrderList (CEB311) */
export const ORDER_LIST_RULES: readonly CebFieldRule[] = [
  { name: 'gnum', zh: '商品序号', required: true, integer: true },
  { name: 'itemNo', zh: '企业商品货号', required: false, maxLength: 30 },
  { name: 'itemName', zh: '企业商品名称', required: true, maxLength: 250 },
  { name: 'gmodel', zh: '规格型号', required: true, maxLength: 510 },
  { name: 'itemDescribe', zh: '企业商品描述', required: false, maxLength: 1000 },
  { name: 'barCode', zh: '条形码', required: false, maxLength: 50 },
  { name: 'unit', zh: '计量单位', required: true, length: 3 },
  { name: 'qty', zh: '数量', required: true, decimal: [19, 5] },
  { name: 'price', zh: '单价', required: true, decimal: [19, 5] },
  { name: 'totalPrice', zh: '总价', required: true, decimal: [19, 5] },
  { name: 'currency', zh: '币制', required: true, length: 3 },
  { name: 'country', zh: '国家（地区）', required: true, length: 3 },
  { name: 'note', zh: '备注', required: false, maxLength: 1000 },
];

/** InventoryHead (CEB621) */
export const INVENTORY_HEAD_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'appType', zh: '报送类型', required: true, length: 1, oneOf: ['1', '2', '3'] },
  { name: 'appTime', zh: '报送时间', required: true, length: 14, pattern: /^\d{14}$/ },
  { name: 'appStatus', zh: '业务状态', required: true, maxLength: 3, oneOf: ['1', '2'] },
  { name: 'orderNo', zh: '订单编号', required: true, maxLength: 60 },
  { name: 'ebpCode', zh: '电商平台代码', required: true, maxLength: 18 },
  { name: 'ebpName', zh: '电商平台名称', required: true, maxLength: 100 },
  { name: 'ebcCode', zh: '电商企业代码', required: true, maxLength: 18 },
  { name: 'ebcName', zh: '电商企业名称', required: true, maxLength: 100 },
  { name: 'logisticsNo', zh: '物流运单编号', required: true, maxLength: 60 },
  { name: 'logisticsCode', zh: '物流企业代码', required: true, maxLength: 18 },
  { name: 'logisticsName', zh: '物流企业名称', required: true, maxLength: 100 },
  { name: 'copNo', zh: '企业内部编号', required: false, maxLength: 20 },
  { name: 'preNo', zh: '预录入编号', required: false, maxLength: 18 },
  { name: 'assureCode', zh: '担保企业编号', required: true, maxLength: 30 },
  { name: 'emsNo', zh: '账册编号', required: false, maxLength: 30 },
  { name: 'invtNo', zh: '清单编号', required: false, maxLength: 18 },
  { name: 'ieFlag', zh: '进出口标记', required: true, length: 1, oneOf: ['I', 'E'] },
  { name: 'declTime', zh: '申报日期', required: true, length: 8, pattern: /^\d{8}$/ },
  { name: 'customsCode', zh: '申报海关代码', required: true, length: 4 },
  { name: 'portCode', zh: '口岸海关代码', required: true, length: 4 },
  { name: 'ieDate', zh: '进口日期', required: false, length: 8, pattern: /^\d{8}$/ },
  { name: 'buyerIdType', zh: '订购人证件类型', required: true, length: 1, oneOf: ['1', '2'] },
  { name: 'buyerIdNumber', zh: '订购人证件号码', required: true, maxLength: 60 },
  { name: 'buyerName', zh: '订购人姓名', required: true, maxLength: 60 },
  { name: 'buyerTelephone', zh: '订购人电话', required: true, maxLength: 30 },
  { name: 'consigneeAddress', zh: '收货地址', required: true, maxLength: 200 },
  { name: 'agentCode', zh: '申报企业代码', required: true, maxLength: 18 },
  { name: 'agentName', zh: '申报企业名称', required: true, maxLength: 100 },
  { name: 'areaCode', zh: '区内企业代码', required: false, maxLength: 18 },
  { name: 'areaName', zh: '区内企业名称', required: false, maxLength: 100 },
  { name: 'tradeMode', zh: '贸易方式', required: true, length: 4, oneOf: ['9610', '1210'] },
  { name: 'trafMode', zh: '运输方式', required: true, length: 1 },
  { name: 'trafNo', zh: '运输工具编号', required: false, maxLength: 100 },
  { name: 'voyageNo', zh: '航班航次号', required: false, maxLength: 32 },
  { name: 'billNo', zh: '提运单号', required: false, maxLength: 37 },
  { name: 'loctNo', zh: '监管场所代码', required: false, maxLength: 10 },
  { name: 'licenseNo', zh: '许可证件号', required: false, maxLength: 19 },
  { name: 'country', zh: '国家（地区）', required: true, length: 3 },
  { name: 'freight', zh: '运杂费', required: true, decimal: [19, 5] },
  { name: 'insuredFee', zh: '保价费', required: true, decimal: [19, 5] },
  { name: 'currency', zh: '币制', required: true, length: 3 },
  { name: 'wrapType', zh: '包装种类代码', required: false, length: 1 },
  { name: 'packNo', zh: '件数', required: true, maxDigits: 9, integer: true },
  { name: 'grossWeight', zh: '毛重（公斤）', required: true, decimal: [19, 5] },
  { name: 'netWeight', zh: '净重（公斤）', required: true, decimal: [19, 5] },
  { name: 'note', zh: '备注', required: false, maxLength: 1000 },
];

/** InventoryList (CEB621) */
export const INVENTORY_LIST_RULES: readonly CebFieldRule[] = [
  { name: 'gnum', zh: '商品序号', required: true, integer: true },
  { name: 'itemRecordNo', zh: '账册备案料号', required: false, maxLength: 30 },
  { name: 'itemNo', zh: '企业商品货号', required: false, maxLength: 20 },
  { name: 'itemName', zh: '企业商品名称', required: false, maxLength: 250 },
  { name: 'gcode', zh: '商品编码', required: true, length: 10 },
  { name: 'gname', zh: '商品名称', required: true, maxLength: 250 },
  { name: 'gmodel', zh: '规格型号', required: true, maxLength: 510 },
  { name: 'barCode', zh: '条形码', required: false, maxLength: 50 },
  { name: 'country', zh: '国家（地区）', required: true, length: 3 },
  { name: 'tradeCountry', zh: '贸易国（地区）', required: false, maxLength: 3 },
  { name: 'currency', zh: '币制', required: true, length: 3 },
  { name: 'qty', zh: '数量', required: true, decimal: [19, 5] },
  { name: 'unit', zh: '计量单位', required: true, length: 3 },
  { name: 'qty1', zh: '法定数量', required: true, decimal: [19, 5] },
  { name: 'unit1', zh: '法定计量单位', required: true, length: 3 },
  { name: 'qty2', zh: '第二数量', required: false, decimal: [19, 5] },
  { name: 'unit2', zh: '第二计量单位', required: false, length: 3 },
  { name: 'price', zh: '单价', required: true, decimal: [19, 5] },
  { name: 'totalPrice', zh: '总价', required: true, decimal: [19, 5] },
  { name: 'note', zh: '备注', required: false, maxLength: 1000 },
];

/** BaseTransfer (every declaration message) */
export const BASE_TRANSFER_RULES: readonly CebFieldRule[] = [
  { name: 'copCode', zh: '传输企业代码', required: true, maxLength: 18 },
  { name: 'copName', zh: '传输企业名称', required: true, maxLength: 100 },
  { name: 'dxpMode', zh: '报文传输模式', required: true, length: 3, oneOf: ['DXP'] },
  { name: 'dxpId', zh: '报文传输编号', required: true, maxLength: 30 },
  { name: 'note', zh: '备注', required: false, maxLength: 1000 },
];

/** OrderReturn (CEB312) */
export const ORDER_RETURN_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'ebpCode', zh: '电商平台代码', required: true, maxLength: 18 },
  { name: 'ebcCode', zh: '电商企业代码', required: true, maxLength: 18 },
  { name: 'orderNo', zh: '订单编号', required: true, maxLength: 60 },
  { name: 'returnStatus', zh: '回执状态', required: true, maxLength: 10 },
  { name: 'returnTime', zh: '回执时间', required: true, length: 17, pattern: /^\d{17}$/ },
  { name: 'returnInfo', zh: '回执信息', required: true, maxLength: 1000 },
];

/** InventoryReturn (CEB622) */
export const INVENTORY_RETURN_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'customsCode', zh: '申报海关代码', required: false, length: 4 },
  { name: 'ebpCode', zh: '电商平台代码', required: false, maxLength: 18 },
  { name: 'ebcCode', zh: '电商企业代码', required: false, maxLength: 18 },
  { name: 'agentCode', zh: '申报企业代码', required: false, maxLength: 18 },
  { name: 'copNo', zh: '企业内部编号', required: true, maxLength: 20 },
  { name: 'preNo', zh: '预录入编号', required: true, length: 18 },
  { name: 'invtNo', zh: '清单编号', required: false, length: 18 },
  { name: 'returnStatus', zh: '回执状态', required: true, maxLength: 10 },
  { name: 'returnTime', zh: '回执时间', required: true, length: 17, pattern: /^\d{17}$/ },
  { name: 'returnInfo', zh: '回执信息', required: true, maxLength: 1000 },
];

/** The receipts' common tail: returnStatus, returnTime, returnInfo (every 2022-05 import receipt). */
const RETURN_TAIL: readonly CebFieldRule[] = [
  { name: 'returnStatus', zh: '回执状态', required: true, maxLength: 10 },
  { name: 'returnTime', zh: '回执时间', required: true, length: 17, pattern: /^\d{17}$/ },
  { name: 'returnInfo', zh: '回执信息', required: true, maxLength: 1000 },
];

/** PaymentReturn (CEB412) */
export const PAYMENT_RETURN_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'payCode', zh: '支付企业代码', required: true, maxLength: 18 },
  { name: 'payTransactionId', zh: '支付交易编号', required: true, maxLength: 60 },
  ...RETURN_TAIL,
];

/** LogisticsReturn (CEB512) */
export const LOGISTICS_RETURN_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'logisticsCode', zh: '物流企业代码', required: true, maxLength: 18 },
  { name: 'logisticsNo', zh: '物流运单编号', required: true, maxLength: 60 },
  ...RETURN_TAIL,
];

/** LogisticsStatusReturn (CEB514) */
export const LOGISTICS_STATUS_RETURN_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'logisticsCode', zh: '物流企业代码', required: true, maxLength: 18 },
  { name: 'logisticsNo', zh: '物流运单编号', required: true, maxLength: 60 },
  { name: 'logisticsStatus', zh: '物流签收状态', required: true, length: 1 },
  ...RETURN_TAIL,
];

/** InvtCancelReturn (CEB624) */
export const INVT_CANCEL_RETURN_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'customsCode', zh: '申报海关代码', required: false, length: 4 },
  { name: 'agentCode', zh: '申报企业代码', required: false, maxLength: 18 },
  { name: 'ebpCode', zh: '电商平台代码', required: false, maxLength: 18 },
  { name: 'ebcCode', zh: '电商企业代码', required: false, maxLength: 18 },
  { name: 'copNo', zh: '企业内部编号', required: true, maxLength: 20 },
  { name: 'preNo', zh: '预录入编号', required: true, length: 18 },
  { name: 'invtNo', zh: '清单编号', required: false, length: 18 },
  ...RETURN_TAIL,
];

/** InvtRefundReturn (CEB626): the same fields, in the same order, as InvtCancelReturn */
export const INVT_REFUND_RETURN_RULES: readonly CebFieldRule[] = INVT_CANCEL_RETURN_RULES;

/** DeliveryReturn (CEB712) */
export const DELIVERY_RETURN_RULES: readonly CebFieldRule[] = [
  { name: 'guid', zh: '系统唯一序号', required: true, length: 36 },
  { name: 'customsCode', zh: '主管海关代码', required: false, length: 4 },
  { name: 'operatorCode', zh: '监管场所经营人代码', required: false, maxLength: 18 },
  { name: 'copNo', zh: '企业内部编号', required: false, maxLength: 20 },
  { name: 'preNo', zh: '预录入编号', required: false, maxLength: 18 },
  { name: 'rkdNo', zh: '入库单编号', required: false, maxLength: 18 },
  ...RETURN_TAIL,
];

export interface CebOrderHead {
  /** 系统唯一序号 */
  guid: string;
  /** 报送类型 */
  appType: string;
  /** 报送时间 */
  appTime: string;
  /** 业务状态 */
  appStatus: string;
  /** 订单类型 */
  orderType: string;
  /** 订单编号 */
  orderNo: string;
  /** 电商平台代码 */
  ebpCode: string;
  /** 电商平台名称 */
  ebpName: string;
  /** 电商企业代码 */
  ebcCode: string;
  /** 电商企业名称 */
  ebcName: string;
  /** 商品价格 */
  goodsValue: string;
  /** 运杂费 */
  freight: string;
  /** 非现金抵扣金额 */
  discount: string;
  /** 代扣税款 */
  taxTotal: string;
  /** 实际支付金额 */
  acturalPaid: string;
  /** 币制 */
  currency: string;
  /** 订购人注册号 */
  buyerRegNo: string;
  /** 订购人姓名 */
  buyerName: string;
  /** 订购人电话 */
  buyerTelephone: string;
  /** 订购人证件类型 */
  buyerIdType: string;
  /** 订购人证件号码 */
  buyerIdNumber: string;
  /** 支付企业代码 */
  payCode?: string;
  /** 支付企业名称 */
  payName?: string;
  /** 支付交易编号 */
  payTransactionId?: string;
  /** 商品批次号 */
  batchNumbers?: string;
  /** 收货人姓名 */
  consignee: string;
  /** 收货人电话 */
  consigneeTelephone: string;
  /** 收货地址 */
  consigneeAddress: string;
  /** 收货地址行政区划代码 */
  consigneeDistrict?: string;
  /** 备注 */
  note?: string;
}

export interface CebOrderItem {
  /** 商品序号 */
  gnum: string;
  /** 企业商品货号 */
  itemNo?: string;
  /** 企业商品名称 */
  itemName: string;
  /** 规格型号 */
  gmodel: string;
  /** 企业商品描述 */
  itemDescribe?: string;
  /** 条形码 */
  barCode?: string;
  /** 计量单位 */
  unit: string;
  /** 数量 */
  qty: string;
  /** 单价 */
  price: string;
  /** 总价 */
  totalPrice: string;
  /** 币制 */
  currency: string;
  /** 国家（地区） */
  country: string;
  /** 备注 */
  note?: string;
}

export interface CebInventoryHead {
  /** 系统唯一序号 */
  guid: string;
  /** 报送类型 */
  appType: string;
  /** 报送时间 */
  appTime: string;
  /** 业务状态 */
  appStatus: string;
  /** 订单编号 */
  orderNo: string;
  /** 电商平台代码 */
  ebpCode: string;
  /** 电商平台名称 */
  ebpName: string;
  /** 电商企业代码 */
  ebcCode: string;
  /** 电商企业名称 */
  ebcName: string;
  /** 物流运单编号 */
  logisticsNo: string;
  /** 物流企业代码 */
  logisticsCode: string;
  /** 物流企业名称 */
  logisticsName: string;
  /** 企业内部编号 */
  copNo?: string;
  /** 预录入编号 */
  preNo?: string;
  /** 担保企业编号 */
  assureCode: string;
  /** 账册编号 */
  emsNo?: string;
  /** 清单编号 */
  invtNo?: string;
  /** 进出口标记 */
  ieFlag: string;
  /** 申报日期 */
  declTime: string;
  /** 申报海关代码 */
  customsCode: string;
  /** 口岸海关代码 */
  portCode: string;
  /** 进口日期 */
  ieDate?: string;
  /** 订购人证件类型 */
  buyerIdType: string;
  /** 订购人证件号码 */
  buyerIdNumber: string;
  /** 订购人姓名 */
  buyerName: string;
  /** 订购人电话 */
  buyerTelephone: string;
  /** 收货地址 */
  consigneeAddress: string;
  /** 申报企业代码 */
  agentCode: string;
  /** 申报企业名称 */
  agentName: string;
  /** 区内企业代码 */
  areaCode?: string;
  /** 区内企业名称 */
  areaName?: string;
  /** 贸易方式 */
  tradeMode: string;
  /** 运输方式 */
  trafMode: string;
  /** 运输工具编号 */
  trafNo?: string;
  /** 航班航次号 */
  voyageNo?: string;
  /** 提运单号 */
  billNo?: string;
  /** 监管场所代码 */
  loctNo?: string;
  /** 许可证件号 */
  licenseNo?: string;
  /** 国家（地区） */
  country: string;
  /** 运杂费 */
  freight: string;
  /** 保价费 */
  insuredFee: string;
  /** 币制 */
  currency: string;
  /** 包装种类代码 */
  wrapType?: string;
  /** 件数 */
  packNo: string;
  /** 毛重（公斤） */
  grossWeight: string;
  /** 净重（公斤） */
  netWeight: string;
  /** 备注 */
  note?: string;
}

export interface CebInventoryItem {
  /** 商品序号 */
  gnum: string;
  /** 账册备案料号 */
  itemRecordNo?: string;
  /** 企业商品货号 */
  itemNo?: string;
  /** 企业商品名称 */
  itemName?: string;
  /** 商品编码 */
  gcode: string;
  /** 商品名称 */
  gname: string;
  /** 规格型号 */
  gmodel: string;
  /** 条形码 */
  barCode?: string;
  /** 国家（地区） */
  country: string;
  /** 贸易国（地区） */
  tradeCountry?: string;
  /** 币制 */
  currency: string;
  /** 数量 */
  qty: string;
  /** 计量单位 */
  unit: string;
  /** 法定数量 */
  qty1: string;
  /** 法定计量单位 */
  unit1: string;
  /** 第二数量 */
  qty2?: string;
  /** 第二计量单位 */
  unit2?: string;
  /** 单价 */
  price: string;
  /** 总价 */
  totalPrice: string;
  /** 备注 */
  note?: string;
}

export interface CebBaseTransfer {
  /** 传输企业代码 */
  copCode: string;
  /** 传输企业名称 */
  copName: string;
  /** 报文传输模式 */
  dxpMode: string;
  /** 报文传输编号 */
  dxpId: string;
  /** 备注 */
  note?: string;
}

export interface CebOrderReturn {
  /** 系统唯一序号 */
  guid: string;
  /** 电商平台代码 */
  ebpCode: string;
  /** 电商企业代码 */
  ebcCode: string;
  /** 订单编号 */
  orderNo: string;
  /** 回执状态 */
  returnStatus: string;
  /** 回执时间 */
  returnTime: string;
  /** 回执信息 */
  returnInfo: string;
}

export interface CebInventoryReturn {
  /** 系统唯一序号 */
  guid: string;
  /** 申报海关代码 */
  customsCode?: string;
  /** 电商平台代码 */
  ebpCode?: string;
  /** 电商企业代码 */
  ebcCode?: string;
  /** 申报企业代码 */
  agentCode?: string;
  /** 企业内部编号 */
  copNo: string;
  /** 预录入编号 */
  preNo: string;
  /** 清单编号 */
  invtNo?: string;
  /** 回执状态 */
  returnStatus: string;
  /** 回执时间 */
  returnTime: string;
  /** 回执信息 */
  returnInfo: string;
}
