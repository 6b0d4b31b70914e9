// Element names of the customs declaration message (报关单 DecMessage,
// root `<DecMessage version="3.1" xmlns="http://www.chinaport.gov.cn/dec">`)
// as sent through the Single Window import client for 货物申报 (DecCus001).
//
// Names are case-sensitive and keep the platform's own spellings
// (PromiseItmes, TaxAaminMark, DeclaratioMaterialCode, EdocFomatType,
// EdocRealation, ExtendFiled, ...). They are NOT typos to fix.
//
// Public sources (names and order taken from these, nothing guessed unless a
// comment says so):
//   [T] Zzaniu/loop_server  conf/OnlyWindowsNews_1.xml  — full DecMessage
//       template (DecHead … EdocRealation); element order below follows it.
//   [P] Zzaniu/loop_server  conf/OnlyWindowspdf.xml — filled EdocRealation
//       (PDF attachment) and EcoRelation; root `version="3.1"`.
//   [B] snowlyg/BeeCustom   xmlTemplate/Order.go — Go structs for DecMessage,
//       DecHead, DecList, DecSign, DecFreeTxt, DecCopPromise (same set as [T]).
//   [C] kennard520/JeecgBoot  jeecg-boot/db/其他数据库脚本/达梦/CIT.sql — data
//       dictionary derived from the Single Window import spec: Chinese names,
//       lengths, and a few newer fields absent from [T]/[B]
//       (RcepOrigPlaceCode, ControlExplainCode, GoodsContaWt, LicWrtofQtyUnit,
//       InvoiceNo, GNoStr). Fields seen only in [C] are marked "[C] only";
//       their position (appended last) follows [C]'s column order.
//   [Z] ZslCustomsAssist (C#, class ZslCustomsAssist.Jobs.SendReportScanJob;
//       indexed copy whose repository path could not be pinned down, same
//       project as 1243933010/ZslCustomsAssist1): in the zip handed to the
//       client, EdocCopId is the attachment's original file name.
//
// Older (pre-2018) templates also had DecHead PayWay, PaymentMark, InRatio,
// DistrictCode, AgentLinkMan/MAIL/PHONE, OwnerLinkMan/MAIL/PHONE,
// InputerNameMAIL/PHONE and TradeCodeScc (Zzaniu/loop_server conf/OnlyWindows.xml);
// they are not part of the current set and are not listed.

/** Children of <DecMessage>, in the order of [T] (+ EcoRelation from [P]). */
export const DEC_MESSAGE_SECTIONS = [
  'DecHead', // 报关单表头
  'DecLists', // 表体（多个 DecList）
  'DecContainers', // 集装箱（多个 Container）
  'DecLicenseDocus', // 随附单证（多个 LicenseDocu）
  'DecRequestCerts', // 申请单证（多个 DecRequestCert）
  'DecOtherPacks', // 其他包装（多个 DecOtherPack）
  'DecCopLimits', // 企业资质（多个 DecCopLimit）
  'DecCopPromises', // 企业承诺（多个 DecCopPromise）
  'DecUsers', // 使用人（多个 DecUser）
  'DecFreeTxt', // 自由文本
  'DecSign', // 签名信息
  'EdocRealation', // 电子随附单据关联关系（可重复，直接挂在根下）
  'EcoRelation', // 随附单证与商品项对应关系（可重复，见 [P]）
] as const;

/** <DecHead> children, order of [B] (= [T] except the last five, where [B] and [C] agree). */
export const DEC_HEAD_FIELDS = [
  'SeqNo', // 数据中心统一编号（首次导入为空，平台生成）
  'IEFlag', // 进出口标志 I 进口 / E 出口
  'Type', // 单据类型（一般报关单为空；SW 税单无纸化 等）
  'AgentCode', // 申报单位海关代码（报关行）
  'AgentName', // 申报单位名称
  'ApprNo', // 批准文号
  'BillNo', // 提运单号
  'ContrNo', // 合同协议号
  'CustomMaster', // 申报地海关（主管海关）
  'CutMode', // 征免性质
  'DistinatePort', // 经停港/指运港
  'FeeCurr', // 运费币制
  'FeeMark', // 运费标记 1 率 2 单价 3 总价
  'FeeRate', // 运费/率
  'GrossWet', // 毛重(KG)
  'IEDate', // 进出口日期 yyyyMMdd
  'IEPort', // 进出境关别
  'InsurCurr', // 保险费币制
  'InsurMark', // 保险费标记
  'InsurRate', // 保险费/率
  'LicenseNo', // 许可证号
  'ManualNo', // 备案号（手册/账册）
  'NetWt', // 净重(KG)
  'NoteS', // 备注
  'OtherCurr', // 杂费币制
  'OtherMark', // 杂费标志
  'OtherRate', // 杂费/率
  'OwnerCode', // 消费使用单位/生产销售单位海关代码
  'OwnerName', // 消费使用单位/生产销售单位名称
  'PackNo', // 件数
  'TradeCode', // 境内收发货人海关代码
  'TradeCountry', // 启运国(进口)/运抵国(出口)
  'TradeMode', // 监管方式
  'TradeName', // 境内收发货人名称
  'TrafMode', // 运输方式
  'TrafName', // 运输工具名称
  'TransMode', // 成交方式
  'WrapType', // 包装种类
  'EntryId', // 海关编号（报关单号，海关生成）
  'PreEntryId', // 预录入编号
  'EdiId', // 报关标志 1 普通报关
  'Risk', // 风险评估参数
  'CopName', // 录入单位名称
  'CopCode', // 录入单位代码
  'EntryType', // 报关单类型 0 普通 / L / W / D / M 无纸化通关
  'PDate', // 打印(预录入)日期 yyyyMMdd
  'TypistNo', // 录入员 IC 卡号
  'InputerName', // 录入员姓名
  'PartenerID', // 申报人标识
  'TgdNo', // 关联单据号（预留）
  'DataSource', // 扩展字段（按位）
  'DeclTrnRel', // 报关/转关关系标志 0 一般报关单 1 转关提前
  'ChkSurety', // 担保验放标志 1 是 0 否
  'BillType', // 备案清单类型
  'CopCodeScc', // 录入单位统一社会信用代码
  'OwnerCodeScc', // 消费使用/生产销售单位统一社会信用代码
  'AgentCodeScc', // 申报单位统一社会信用代码
  'TradeCoScc', // 境内收发货人统一社会信用代码
  'PromiseItmes', // 价格说明/承诺事项（按位 1 是 0 否 9 空）
  'TradeAreaCode', // 贸易国（地区）
  'CheckFlow', // 查验分流 1 是 0 否
  'TaxAaminMark', // 税收征管标记 0 无 1 有
  'MarkNo', // 标记唛码
  'DespPortCode', // 启运港
  'EntyPortCode', // 入境口岸/离境口岸
  'GoodsPlace', // 货物存放地点
  'BLNo', // B/L 号（提货单号）
  'InspOrgCode', // 口岸检验检疫机关（已废弃）
  'SpecDeclFlag', // 特种业务标识（按位）
  'PurpOrgCode', // 目的地海关（检验检疫）
  'DespDate', // 启运日期 yyyyMMdd
  'CmplDschrgDt', // 卸毕日期 yyyyMMdd
  'CorrelationReasonFlag', // 关联理由
  'VsaOrgCode', // 领证机关（已废弃）
  'OrigBoxFlag', // 原集装箱标识 1 是 0 否
  'DeclareName', // 申报人员姓名
  'NoOtherPack', // 无其他包装 1 无 0 有
  'OrgCode', // 检验检疫受理机关（已废弃）
  'OverseasConsignorCode', // 境外发货人代码
  'OverseasConsignorCname', // 境外发货人名称（中文）
  'OverseasConsignorEname', // 境外发货人名称（外文）
  'OverseasConsignorAddr', // 境外发货人地址
  'OverseasConsigneeCode', // 境外收货人代码（出口）
  'OverseasConsigneeEname', // 境外收货人名称（外文，出口）
  'DomesticConsigneeEname', // 境内收发货人名称（外文）
  'CorrelationNo', // 关联号码
  'EdiRemark', // EDI 申报备注
  'EdiRemark2', // EDI 申报备注2
  'TradeCiqCode', // 境内收发货人检验检疫编码
  'OwnerCiqCode', // 消费使用/生产销售单位检验检疫编码
  'DeclCiqCode', // 申报单位检验检疫编码
] as const;

/** <DecList> children, order of [T]/[B]; last two from [C] only. */
export const DEC_LIST_FIELDS = [
  'ClassMark', // 归类标志
  'CodeTS', // 商品编号（10 位）
  'ContrItem', // 备案序号
  'DeclPrice', // 申报单价
  'DutyMode', // 征免方式
  'Factor', // 申报计量单位与法定单位比例因子
  'GModel', // 规格型号（申报要素，| 分隔）
  'GName', // 商品名称
  'GNo', // 商品序号
  'OriginCountry', // 原产国（地区）（进口）
  'TradeCurr', // 成交币制
  'DeclTotal', // 申报总价
  'GQty', // 成交数量
  'FirstQty', // 第一法定数量
  'SecondQty', // 第二法定数量
  'GUnit', // 成交计量单位
  'FirstUnit', // 第一计量单位（法定单位）
  'SecondUnit', // 第二计量单位
  'UseTo', // 用途/生产厂家
  'WorkUsd', // 工缴费
  'ExgNo', // 货号
  'ExgVersion', // 版本号
  'DestinationCountry', // 最终目的国（地区）
  'CiqCode', // 检验检疫编码（监管类别）
  'DeclGoodsEname', // 商品英文名称
  'OrigPlaceCode', // 原产地区代码
  'Purpose', // 用途代码
  'ProdValidDt', // 产品有效期 yyyyMMdd
  'ProdQgp', // 产品保质期
  'GoodsAttr', // 货物属性代码
  'Stuff', // 成份/原料/组份
  'Uncode', // UN 编码
  'DangName', // 危险货物名称
  'DangPackType', // 危包类别
  'DangPackSpec', // 危包规格
  'EngManEntCnm', // 境外生产企业名称
  'NoDangFlag', // 非危险化学品
  'DestCode', // 目的地代码（境内）
  'GoodsSpec', // 检验检疫货物规格
  'GoodsModel', // 货物型号
  'GoodsBrand', // 货物品牌
  'ProduceDate', // 生产日期
  'ProdBatchNo', // 生产批号
  'DistrictCode', // 境内目的地（进口）/境内货源地（出口）
  'CiqName', // 检验检疫名称
  'DecGoodsLimits', // 产品资质（嵌套组：多个 DecGoodsLimit，见 DEC_GOODS_LIMIT_FIELDS）
  'MnufctrRegNo', // 生产单位注册号（出口）
  'MnufctrRegName', // 生产单位名称（出口）
  'RcepOrigPlaceCode', // [C] only — 优惠贸易协定项下原产地
  'ControlExplainCode', // [C] only — 禁限管制识别码
] as const;

/** <DecGoodsLimit> (inside DecList/DecGoodsLimits), order of [T]. */
export const DEC_GOODS_LIMIT_FIELDS = [
  'GoodsNo', // 商品序号
  'LicTypeCode', // 许可证类别代码
  'LicenceNo', // 许可证编号
  'LicWrtofDetailNo', // 许可证核销明细序号
  'LicWrtofQty', // 许可证核销数量
  'LicWrtofQtyUnit', // [C] only — 许可证核销数量单位
  'DecGoodsLimitVin', // VIN 信息（嵌套组，见 DEC_GOODS_LIMIT_VIN_FIELDS）
] as const;

/** <DecGoodsLimitVin> (inside DecGoodsLimit), order of [T]; last from [C] only. */
export const DEC_GOODS_LIMIT_VIN_FIELDS = [
  'LicenceNo', // 许可证编号
  'LicTypeCode', // 许可证类别代码
  'VinNo', // VIN 序号
  'BillLadDate', // 提/运单日期 yyyyMMdd
  'QualityQgp', // 质量保质期
  'MotorNo', // 发动机号或电机号
  'VinCode', // 车辆识别代码（VIN）
  'ChassisNo', // 底盘（车架）号
  'InvoiceNum', // 发票所列数量
  'ProdCnnm', // 品名（中文）
  'ProdEnnm', // 品名（英文）
  'ModelEn', // 型号（英文）
  'PricePerUnit', // 单价
  'InvoiceNo', // [C] only — 发票号
] as const;

/**
 * One container. The real element is <Container> inside <DecContainers>
 * (there is no <DecContainer> element in [T]/[P]). Order of [T]; GoodsContaWt
 * from [C] only, placed where [C] puts it.
 */
export const DEC_CONTAINER_FIELDS = [
  'ContainerId', // 集装箱号
  'ContainerMd', // 集装箱规格
  'GoodsNo', // 商品项号（半角逗号分隔，如 1,3）
  'LclFlag', // 拼箱标识
  'GoodsContaWt', // [C] only — 箱货重量
  'ContainerWt', // 集装箱自重
] as const;

/** <LicenseDocu> inside <DecLicenseDocus>. */
export const LICENSE_DOCU_FIELDS = [
  'DocuCode', // 单证代码（随附单证代码，1 位）
  'CertCode', // 单证编号
] as const;

/** <DecRequestCert> inside <DecRequestCerts>. */
export const DEC_REQUEST_CERT_FIELDS = [
  'AppCertCode', // 申请单证代码
  'ApplOri', // 申请单证正本数
  'ApplCopyQuan', // 申请单证副本数
] as const;

/** <DecOtherPack> inside <DecOtherPacks>. */
export const DEC_OTHER_PACK_FIELDS = [
  'PackQty', // 包装件数
  'PackType', // 包装材料种类
] as const;

/** <DecCopLimit> inside <DecCopLimits>. */
export const DEC_COP_LIMIT_FIELDS = [
  'EntQualifNo', // 企业资质编号
  'EntQualifTypeCode', // 企业资质类别代码
] as const;

/** <DecCopPromise> inside <DecCopPromises>. */
export const DEC_COP_PROMISE_FIELDS = [
  'DeclaratioMaterialCode', // 证明/声明材料代码：进口 101040，出口 102053
] as const;

/** <DecUser> inside <DecUsers>. */
export const DEC_USER_FIELDS = [
  'UseOrgPersonCode', // 使用单位联系人
  'UseOrgPersonTel', // 使用单位联系电话
] as const;

/** <DecFreeTxt>, order of [T]/[B]. */
export const DEC_FREE_TXT_FIELDS = [
  'RelId', // 关联报关单号
  'RelManNo', // 关联备案号
  'BonNo', // 监管仓号（保税/监管场所）
  'VoyNo', // 航次号
  'DecBpNo', // 报关员联系方式
  'CusFie', // 货场代码
  'DecNo', // 申报人员证号（报关员海关注册编码）
] as const;

/** <DecSign>, order of [T]/[B]. Sign/SignDate/Certificate are filled by the client when it signs. */
export const DEC_SIGN_FIELDS = [
  'OperType', // 操作类型 A 上载 B 报关单转关单上载 C 申报 D 报关单转关单申报 E 电子手册上载 G 暂存
  'ICCode', // 操作员 IC 卡号（对应表头 TypistNo）
  'CopCode', // 操作企业代码（对应表头 CopCode）
  'OperName', // 操作员姓名
  'ClientSeqNo', // 客户端报关单编号（企业自编，唯一识别一票报关单）
  'Sign', // 数字签名信息
  'SignDate', // 签名日期
  'Certificate', // 操作员卡证书号
  'HostId', // 客户端邮箱 HostId（已废弃）
  'BillSeqNo', // 对应清单统一编号
  'DomainId', // 签名人分类 1 录入人 2 申报人
  'Note', // 备注
] as const;

/** <EdocRealation> (repeatable, direct child of DecMessage), order of [T]/[P]; GNoStr from [C] only. */
export const EDOC_REALATION_FIELDS = [
  'EdocID', // 随附单据编号/文件名（申报口岸+随附单据类别代码+IM+18位流水号+.pdf）
  'EdocCode', // 随附单证类别 00000001 发票 00000002 装箱单 00000003 提运单 00000004 合同 …
  'EdocFomatType', // 随附单据格式类型 S 结构化 US 非结构化（PDF 填 US）
  'OpNote', // 操作说明（重传原因）
  'EdocCopId', // 随附单据文件企业名（压缩包内附件原始文件名，见 [Z]）
  'EdocOwnerCode', // 所属单位海关编号
  'SignUnit', // 签名单位代码
  'SignTime', // 签名时间 yyyyMMdd hh:mm:ss
  'EdocOwnerName', // 所属单位名称
  'EdocSize', // 随附单据文件大小
  'GNoStr', // [C] only — 商品项号关系（如 1,3）
] as const;

/** <EcoRelation> (repeatable, direct child of DecMessage), order of [P]. */
export const ECO_RELATION_FIELDS = [
  'CertType', // 单证代码（优惠贸易协定原产地证明填 Y+协定代码，如 Y02）
  'EcoCertNo', // 单证编号（原产地证明填 C/D+证书编号）
  'DecGNo', // 报关单商品项号
  'EcoGNo', // 对应随附单证商品项号
  'ExtendFiled', // 扩展字段
] as const;
