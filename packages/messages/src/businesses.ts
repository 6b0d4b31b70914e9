/**
 * The import client's businesses (业务), from the client manual. Each has a stable type key used on
 * the wire between client and platform, and a default BizID folder alias that the user may rename.
 * `DecCus001`, `Sas` and `Npts` are the aliases seen in real installations; the others are ours.
 */
export interface BusinessType {
  type: string;
  /** 中文名称 as in the manual */
  name: string;
  defaultBizId: string;
}

export const BUSINESS_TYPES: readonly BusinessType[] = [
  { type: 'origin', name: '海关原产地申报', defaultBizId: 'Origin' },
  { type: 'declaration', name: '货物申报', defaultBizId: 'DecCus001' },
  { type: 'declaration-edoc', name: '货报单传随附单据', defaultBizId: 'DecEdoc' },
  { type: 'manifest-sea-air', name: '海运/空运舱单申报', defaultBizId: 'Manifest' },
  { type: 'manifest-road', name: '公路舱单申报', defaultBizId: 'RoadManifest' },
  { type: 'manifest-rail', name: '铁路舱单申报', defaultBizId: 'RailManifest' },
  { type: 'vessel', name: '船舶运输工具申报', defaultBizId: 'Vessel' },
  { type: 'aircraft', name: '航空器运输工具申报', defaultBizId: 'Aircraft' },
  { type: 'train', name: '铁路运输工具申报', defaultBizId: 'Train' },
  { type: 'processing-trade', name: '加工贸易申报', defaultBizId: 'Sas' },
  { type: 'processing-trade-edoc', name: '加工贸易随附单据上传', defaultBizId: 'Npts' },
  { type: 'mechanical-electrical', name: '机电产品进口单证', defaultBizId: 'Mee' },
  { type: 'exhibition', name: '展览品申报', defaultBizId: 'Exhibition' },
  { type: 'enterprise-qualification', name: '海关企业通用资质', defaultBizId: 'Qualification' },
] as const;

export const BOX_NAMES = ['OutBox', 'SentBox', 'FailBox', 'InBox'] as const;

export function businessType(type: string): BusinessType | undefined {
  return BUSINESS_TYPES.find((b) => b.type === type);
}
