/**
 * The rules of the console's forms, in one place for the REST API and the web console
 * (`@osw/messages/forms`): the request bodies the API validates with, and the checks the console
 * runs before sending. zod only, no Node APIs, so Vite bundles it for the browser.
 *
 * Two layers:
 * - `…Body`: the request body schemas. The API routes use exactly these; a body they refuse is
 *   answered `400 OSW_VALIDATION` naming the fields.
 * - `…Form`: the same body with the business rules the platform checks after parsing (a client
 *   chosen, some content, 有效期 within a year, a serial range of at most 10,000 rows, an 11-digit
 *   mobile number …). The platform answers those with their own codes (`OSW_SUB_VALIDITY` …); the
 *   console checks them first, in the same words, so the operator learns it next to the field.
 *
 * Messages are bilingual, `中文 (English)`, as the platform's own; `formMessage(text, lang)` picks one.
 */
import { z } from 'zod';
import { chinaDay } from './time.js';

export const CARD_NO = /^\d{13}$/;
export const REGION = /^\d{4}$/;
export const MANUAL_NO = /^[A-Z]\d{11}$/;
export const PHONE = /^1[3-9]\d{9}$/;
export const HS_CODE = /^\d{10}$/;
/** 存量订阅: at most this many rows per type (料件, 成品) in one subscription */
export const STOCK_ROWS_PER_TYPE = 10_000;

/** `中文 (English)`: the platform's way of carrying both languages in one message. */
export function bilingual(zh: string, en: string): string {
  return `${zh} (${en})`;
}

/** The Chinese or English part of a bilingual message (the whole text when it is not one). */
export function formMessage(text: string, lang: 'zh' | 'en'): string {
  const m = /^([^()]*[\u4e00-\u9fff][^()]*?)\s*\((.+)\)$/.exec(text);
  if (!m) return text;
  return lang === 'zh' ? m[1] : m[2];
}

// ---- days (China time) ----

/** `yyyy-MM-dd` as [year, month, day], or null when it is not a real day. */
export function dayParts(day: string): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return [y, mo, d];
}

export function isDay(day: string): boolean {
  return dayParts(day) !== null;
}

/** Today in China time, `yyyy-MM-dd`. */
export function chinaToday(now = new Date()): string {
  return chinaDay(now);
}

/** The same day one year later (29 February becomes 28 February), as the platform counts it. */
export function oneYearFrom(day: string): string {
  const [y, mo, d] = day.split('-').map(Number);
  const last = new Date(Date.UTC(y + 1, mo, 0)).getUTCDate();
  return `${y + 1}-${String(mo).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** 有效期 (`validUntil`) must lie between today and one year from today (the platform: OSW_SUB_VALIDITY). */
export function validityProblem(day: string, today = chinaToday()): 'format' | 'past' | 'tooFar' | null {
  if (!isDay(day)) return 'format';
  if (day < today) return 'past';
  if (day > oneYearFrom(today)) return 'tooFar';
  return null;
}

/**
 * 延期 (extend) to `day` from the current last valid day `current`: only to a later day, and at most
 * one year from today (the platform: OSW_SUB_EXTEND_NOT_LATER, OSW_SUB_VALIDITY).
 */
export function extensionProblem(day: string, current: string, today = chinaToday()): 'format' | 'notLater' | 'tooFar' | null {
  if (!isDay(day)) return 'format';
  if (day <= current || day < today) return 'notLater';
  if (day > oneYearFrom(today)) return 'tooFar';
  return null;
}

/** A stock serial range `from-to`: null when empty or fine, 'format' or 'tooLarge' when refused. */
export function rangeProblem(text: string): 'format' | 'tooLarge' | null {
  if (!text.trim()) return null;
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (!m) return 'format';
  const [from, to] = [Number(m[1]), Number(m[2])];
  if (from < 1 || to < from) return 'format';
  if (to - from + 1 > STOCK_ROWS_PER_TYPE) return 'tooLarge';
  return null;
}

// ---- request bodies (the API validates with these) ----

/** the form of a day; whether it exists and lies in range is the platform's OSW_SUB_VALIDITY */
export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, bilingual('日期格式为yyyy-MM-dd', 'a date of the form yyyy-MM-dd'));

/** 插入本企业的IC卡: card number and PIN (the card step). */
export const CardProof = z
  .object({
    cardNo: z.string().regex(CARD_NO, bilingual('卡号为13位数字', 'a card number has 13 digits')),
    pin: z
      .string()
      .min(1, bilingual('请输入卡密码', 'enter the PIN'))
      .max(16, bilingual('卡密码最长16位', 'a PIN has at most 16 characters')),
  })
  .describe('card proof (插入本企业的IC卡): the card must belong to your enterprise; a wrong PIN counts down and locks the card');

export const LoginBody = z.object({
  account: z.string().min(1, bilingual('请输入账号', 'enter the account')).max(64),
  password: z.string().min(1, bilingual('请输入密码', 'enter the password')).max(256),
});

/** 自动导入客户端申请 */
export const ClientApplyBody = z.object({
  region: z.string().regex(REGION, bilingual('关区代码为4位数字，如 5300', 'a 4-digit 关区代码, e.g. 5300')).describe('关区, e.g. 5300'),
  version: z.literal('2.0', { message: bilingual('客户端版本只有2.0', 'the only client version is 2.0') }).default('2.0'),
  transport: z.enum(['https', 'rabbitmq', 'ibmmq']),
  environment: z.enum(['test', 'prod']),
  card: CardProof,
});

const clientChoice = z.string().min(1, bilingual('请先查询并选择客户端', 'find and choose a client first')).max(32);

/** 报关单数据订阅 */
export const DeclarationSubscriptionBody = z.object({
  clientId: clientChoice.describe('exactly one client of your enterprise'),
  declarationData: z.boolean().default(false).describe('申报数据'),
  receiptTypes: z
    .array(z.string().min(1).max(16))
    .max(50)
    .default([])
    .describe('海关入库, 退单, 审核, 接单, 放行, 结关, 查验通知 … or CHANNEL codes'),
  validUntil: Day.optional().describe('yyyy-MM-dd; defaults to one year from today, at most one year ahead'),
  card: CardProof,
});

/** 延期: a new last valid day, with the card */
export const ExtendBody = z.object({ validUntil: Day, card: CardProof });

/** 报关状态订阅 */
export const ReceiptSubscriptionBody = z.object({
  pushMethod: z.enum(['sms', 'app', 'wechat', 'client']).describe('推送方式'),
  mode: z.enum(['document', 'enterprise', 'operator']).describe('订阅方式'),
  documentNo: z.string().max(32).optional(),
  phone: z.string().max(20).optional(),
  verificationCode: z.string().max(10).optional(),
  clientId: z.string().max(32).optional(),
  operatorCardNo: z.string().max(20).optional(),
  receiptTypes: z
    .array(z.string().max(16))
    .max(40)
    .optional()
    .describe('client push: 回执类型 (manual names or CHANNEL codes); left out, every receipt'),
  validUntil: Day.optional().describe('client push: 有效期, default and at most one year from today'),
});

/** 加工贸易账册数据订阅 (存量 / 增量) */
export const ManualSubscriptionBody = z.object({
  clientId: clientChoice,
  kind: z.enum(['stock', 'incremental']),
  manualNo: z
    .string()
    .regex(MANUAL_NO, bilingual('账册号为1位字母加11位数字，如 E53002600001', 'a 账册号 is a letter and 11 digits, e.g. E53002600001')),
  imgRange: z.string().max(20).optional().describe('料件序号范围, e.g. 1-100'),
  exgRange: z.string().max(20).optional().describe('成品序号范围, e.g. 1-100'),
  pushTypes: z
    .array(z.enum(['img', 'exg']))
    .max(2)
    .optional(),
  validUntil: Day.optional(),
  card: CardProof,
});

/** 账册变更: one 料件/成品 row to add, modify or delete */
export const ManualItemChange = z.object({
  kind: z.enum(['img', 'exg']).describe('料件 img, 成品 exg'),
  action: z.enum(['add', 'modify', 'delete']),
  serial: z
    .number({ message: bilingual('序号为正整数', 'a serial is a positive whole number') })
    .int(bilingual('序号为正整数', 'a serial is a positive whole number'))
    .positive(bilingual('序号为正整数', 'a serial is a positive whole number'))
    .optional()
    .describe('序号; add without it takes the next one'),
  code: z.string().optional().describe('商品编码 (10 digits)'),
  name: z.string().max(200).optional(),
  model: z.string().max(500).optional(),
  unit: z.string().max(8).optional(),
  quantity: z.string().max(32).optional(),
});

/** 账册变更申请 (sandbox) */
export const ManualChangeBody = z.object({
  head: z.record(z.string(), z.string()).optional(),
  items: z.array(ManualItemChange).max(1000).optional(),
  autoApprove: z.boolean().default(true),
});

// ---- forms: the body and the platform's business rules, checked before sending ----

const today = () => chinaToday();

function checkValidity(day: string | undefined, ctx: z.RefinementCtx, path: string) {
  if (day === undefined) return;
  const p = validityProblem(day, today());
  if (p === 'format') ctx.addIssue({ code: 'custom', path: [path], message: bilingual('请选择日期', 'choose a date') });
  else if (p)
    ctx.addIssue({
      code: 'custom',
      path: [path],
      message: bilingual(
        `有效期不能早于今天，也不能超过一年（最晚 ${oneYearFrom(today())}）`,
        `not before today, not more than one year ahead (latest ${oneYearFrom(today())})`,
      ),
    });
}

/** 报关单数据订阅 without the card (the card step asks for it) */
export const DeclarationSubscriptionForm = DeclarationSubscriptionBody.omit({ card: true }).superRefine((v, ctx) => {
  if (!v.declarationData && v.receiptTypes.length === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['receiptTypes'],
      message: bilingual('请至少选择一项订阅内容', 'choose at least one content item'),
    });
  checkValidity(v.validUntil, ctx, 'validUntil');
});

/** 延期 from the current last valid day `current`: a later day, at most one year from today. */
export const ExtendForm = ExtendBody.omit({ card: true })
  .extend({ current: Day })
  .superRefine((v, ctx) => {
    const p = extensionProblem(v.validUntil, v.current, today());
    const max = oneYearFrom(today());
    if (p === 'format') ctx.addIssue({ code: 'custom', path: ['validUntil'], message: bilingual('请选择日期', 'choose a date') });
    else if (p === 'notLater')
      ctx.addIssue({
        code: 'custom',
        path: ['validUntil'],
        message: bilingual(`延期日期须晚于当前有效期（${v.current}）`, `choose a day later than the current validity (${v.current})`),
      });
    else if (p === 'tooFar')
      ctx.addIssue({
        code: 'custom',
        path: ['validUntil'],
        message: bilingual(`延期不能超过今天起一年（最晚 ${max}）`, `not more than one year from today (latest ${max})`),
      });
  });

export const ReceiptSubscriptionForm = ReceiptSubscriptionBody.superRefine((v, ctx) => {
  if (v.pushMethod === 'sms') {
    if (!PHONE.test(v.phone ?? ''))
      ctx.addIssue({ code: 'custom', path: ['phone'], message: bilingual('请输入11位手机号码', 'enter an 11-digit mobile number') });
    if (!/^\d{6}$/.test(v.verificationCode ?? ''))
      ctx.addIssue({ code: 'custom', path: ['verificationCode'], message: bilingual('请输入6位验证码', 'enter the 6-digit code') });
  }
  if (v.pushMethod === 'client') {
    if (!v.clientId)
      ctx.addIssue({ code: 'custom', path: ['clientId'], message: bilingual('请先查询并选择客户端', 'find and choose a client first') });
    if (!CARD_NO.test(v.operatorCardNo ?? ''))
      ctx.addIssue({ code: 'custom', path: ['operatorCardNo'], message: bilingual('卡号为13位数字', 'a card number has 13 digits') });
    if (v.receiptTypes && v.receiptTypes.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['receiptTypes'],
        message: bilingual('请至少选择一种回执类型', 'choose at least one receipt type'),
      });
    checkValidity(v.validUntil, ctx, 'validUntil');
  }
  if (v.mode === 'document' && !v.documentNo?.trim())
    ctx.addIssue({ code: 'custom', path: ['documentNo'], message: bilingual('请输入业务单据号', 'enter the document number') });
});

/** The phone alone (获取验证码) */
export const PhoneForm = z.object({ phone: z.string().regex(PHONE, bilingual('请输入11位手机号码', 'enter an 11-digit mobile number')) });

export const ManualSubscriptionForm = ManualSubscriptionBody.omit({ card: true }).superRefine((v, ctx) => {
  if (v.kind === 'stock') {
    const types = v.pushTypes ?? ['img', 'exg'];
    if (!types.length)
      ctx.addIssue({ code: 'custom', path: ['pushTypes'], message: bilingual('请至少选择料件或成品', 'choose materials and/or products') });
    for (const [type, key, zh, en] of [
      ['img', 'imgRange', '料件', 'materials'],
      ['exg', 'exgRange', '成品', 'products'],
    ] as const) {
      if (!types.includes(type)) continue;
      const p = rangeProblem(v[key] ?? '');
      if (p === 'format')
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: bilingual('序号范围格式为 起始-结束，如 1-100', 'a serial range is from-to, e.g. 1-100'),
        });
      if (p === 'tooLarge')
        ctx.addIssue({ code: 'custom', path: [key], message: bilingual(`${zh}序号范围超过10,000条`, `${en} range exceeds 10,000 rows`) });
    }
  } else checkValidity(v.validUntil, ctx, 'validUntil');
});

export const ClientApplyForm = ClientApplyBody.omit({ card: true });

/** The card step: card number and PIN */
export const CardPinForm = CardProof;

export const LoginForm = LoginBody;

/** 账册变更申请: a row to add needs its 10-digit code and name; modify and delete need the serial */
export const ManualChangeForm = ManualChangeBody.superRefine((v, ctx) => {
  (v.items ?? []).forEach((c, i) => {
    if (c.action !== 'add' && c.serial === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['items', i, 'serial'],
        message: bilingual('修改或删除须给出序号', 'modify and delete need the serial'),
      });
    if ((c.action === 'add' || c.code !== undefined) && !HS_CODE.test(c.code ?? ''))
      ctx.addIssue({ code: 'custom', path: ['items', i, 'code'], message: bilingual('商品编码须为10位数字', 'an HS code has 10 digits') });
    if (c.action === 'add' && !c.name?.trim())
      ctx.addIssue({ code: 'custom', path: ['items', i, 'name'], message: bilingual('商品名称不能为空', 'the name is required') });
  });
  if (!Object.keys(v.head ?? {}).length && !(v.items ?? []).length)
    ctx.addIssue({ code: 'custom', path: [], message: bilingual('变更内容为空', 'a change needs head fields or items') });
});

/**
 * A form's problems by field (`phone`, `items.0.code`; `''` for the whole form), in one language:
 * the first message per field. Empty when the value passes.
 */
export function formProblems(schema: z.ZodType, value: unknown, lang: 'zh' | 'en'): Record<string, string> {
  const r = schema.safeParse(value);
  if (r.success) return {};
  const out: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = issue.path.map(String).join('.');
    out[key] ??= formMessage(issue.message, lang);
  }
  return out;
}
