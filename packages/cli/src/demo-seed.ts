/**
 * Demo data, created on the first start of `osw demo` and kept across restarts: a customs broker
 * (报关行) and an importer (收发货人), an operator each, a 法人卡 and an 操作员卡 each, one import client
 * each, and a processing-trade manual (加工贸易账册) of the importer.
 */
import type { CardKdf } from '@osw/messages';
import { createEnterprise, createOperator, issueCard, registerClient, type PlatformDeps } from '@osw/platform';

export interface DemoState {
  /** how the demo's clients exchange messages (absent in demos made before RabbitMQ: http) */
  transport?: 'http' | 'amqp';
  /** on RabbitMQ: put before the clients' broker users (`<vhost>.U_SW…`); absent in demos made before: none */
  brokerUserPrefix?: string;
  enterprises: { customsCode: string; uscc: string; name: string; region: string; role: 'broker' | 'owner' }[];
  accounts: { account: string; password: string; enterpriseCode: string; operatorCode: string; name: string }[];
  cards: {
    cardNo: string;
    pin: string;
    kind: 'legal' | 'operator';
    enterpriseCode: string;
    encryptedPrivateKeyPem: string;
    /** absent in demos made before the memory-hard PIN derivation: the PIN is the passphrase */
    kdf?: CardKdf;
    publicKeyPem: string;
  }[];
  clients: { clientId: string; secret: string; enterpriseCode: string; role: 'broker' | 'owner'; cardNo: string }[];
  manuals: { manualNo: string; enterpriseCode: string }[];
}

const ENTERPRISES: DemoState['enterprises'] = [
  { customsCode: '4403980001', uscc: '91440300MA5G0B1X2K', name: '深圳市前海通关报关有限公司', region: '5300', role: 'broker' },
  { customsCode: '4403960002', uscc: '91440300MA5F8K3L7P', name: '深圳市华南进出口贸易有限公司', region: '5300', role: 'owner' },
];

const OPERATORS = [
  { account: 'broker01', password: 'osw-demo-broker', enterpriseCode: '4403980001', operatorCode: 'QH0030', name: '林晓峰' },
  { account: 'owner01', password: 'osw-demo-owner', enterpriseCode: '4403960002', operatorCode: 'QH0031', name: '陈美玲' },
];

/**
 * 平台运维: an operator of the platform itself, who approves or rejects 服务地区变更 requests. It belongs
 * to an enterprise record of the platform's operator (not a trading enterprise: no cards, no client).
 */
const PLATFORM_ENTERPRISE = { customsCode: '5300PT0001', uscc: '12440300MB2C00001X', name: '单一窗口平台运维（演示）', region: '5300' };
const PLATFORM_OPERATOR = {
  account: 'platform01',
  password: 'osw-demo-platform',
  enterpriseCode: PLATFORM_ENTERPRISE.customsCode,
  operatorCode: 'PT0001',
  name: '平台运维',
};

const PINS = { legal: '88888888', operator: '12345678' } as const;

const MATERIALS = [
  '集成电路',
  '电阻器',
  '电容器',
  '印刷电路板',
  '连接器',
  '晶体管',
  '二极管',
  '电感器',
  '继电器',
  '变压器',
  '石英晶体',
  '液晶显示屏',
  '塑料外壳',
  '铜线',
  '焊锡',
  '螺钉',
  '散热片',
  '保险丝',
  '开关',
  '传感器',
  '锂电池',
  '麦克风',
  '扬声器',
  '摄像头模组',
  '天线',
  '屏蔽罩',
  '导热硅胶',
  '标签',
  '包装纸箱',
  '说明书',
];
const PRODUCTS = [
  '蓝牙耳机',
  '智能手表',
  '移动电源',
  '无线路由器',
  '行车记录仪',
  '智能音箱',
  '电子秤',
  '充电器',
  '平板电脑',
  '数码相框',
  '电子词典',
  '无线鼠标',
];

export async function seedDemo(
  deps: Pick<PlatformDeps, 'store' | 'clock' | 'broker'>,
  opts: { transport?: 'http' | 'amqp' } = {},
): Promise<DemoState> {
  const transport = opts.transport ?? 'http';
  const state: DemoState = {
    transport,
    enterprises: ENTERPRISES,
    accounts: [...OPERATORS, PLATFORM_OPERATOR],
    cards: [],
    clients: [],
    manuals: [],
  };
  for (const e of ENTERPRISES) await createEnterprise(deps, e);
  // each enterprise's demo operator is its administrator (用户管理)
  for (const o of OPERATORS) await createOperator(deps, { ...o, role: 'admin' });
  await createEnterprise(deps, PLATFORM_ENTERPRISE);
  await createOperator(deps, { ...PLATFORM_OPERATOR, role: 'platform' });
  for (const e of ENTERPRISES) {
    for (const kind of ['legal', 'operator'] as const) {
      const holder = kind === 'operator' ? OPERATORS.find((o) => o.enterpriseCode === e.customsCode)?.account : undefined;
      const card = await issueCard(deps, { enterpriseCode: e.customsCode, kind, pin: PINS[kind], holderAccount: holder });
      state.cards.push({
        cardNo: card.cardNo,
        pin: PINS[kind],
        kind,
        enterpriseCode: e.customsCode,
        encryptedPrivateKeyPem: card.encryptedPrivateKeyPem,
        kdf: card.kdf,
        publicKeyPem: card.publicKeyPem,
      });
    }
  }
  for (const e of ENTERPRISES) {
    const c = await registerClient(deps, { enterpriseCode: e.customsCode, region: e.region, transport, environment: 'test' });
    const card = state.cards.find((k) => k.enterpriseCode === e.customsCode && k.kind === 'operator')!;
    state.clients.push({ clientId: c.clientId, secret: c.secret, enterpriseCode: e.customsCode, role: e.role, cardNo: card.cardNo });
  }
  const owner = ENTERPRISES[1];
  const manualNo = 'E53002600001';
  const now = deps.clock.now().toISOString();
  const items = [
    ...MATERIALS.map((name, i) => ({
      manualNo,
      kind: 'img' as const,
      serial: i + 1,
      code: `85${String(4100 + i * 7).padStart(4, '0')}0000`,
      name,
      model: `规格${i + 1}型`,
      unit: '007',
      quantity: String((i + 1) * 1000),
    })),
    ...PRODUCTS.map((name, i) => ({
      manualNo,
      kind: 'exg' as const,
      serial: i + 1,
      code: `85${String(1700 + i * 11).padStart(4, '0')}0000`,
      name,
      model: `型号${i + 1}`,
      unit: '007',
      quantity: String((i + 1) * 500),
    })),
  ];
  await deps.store.manuals.insert(
    {
      manualNo,
      enterpriseCode: owner.customsCode,
      head: {
        manualNo,
        tradeCode: owner.customsCode,
        tradeName: owner.name,
        processingCode: owner.customsCode,
        processingName: owner.name,
        masterCustoms: owner.region,
        manualType: 'E',
        validUntil: '2027-12-31',
      },
      version: 1,
      createdAt: now,
    },
    items,
  );
  state.manuals.push({ manualNo, enterpriseCode: owner.customsCode });
  return state;
}
