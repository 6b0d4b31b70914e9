/**
 * Sandbox scenarios: which path a declaration or a CEB message takes, whether a manifest or a 金关二期
 * message is refused, and the pace — chosen by field values of the message. A scenario file (YAML or JSON) lists
 * rules; the first rule that matches wins; the default rules come after the file's (unless
 * `defaults: false`):
 *
 * ```yaml
 * paceMs: 2000              # time between two receipts (else the platform's sandboxPaceMs)
 * manualApprovalMs: 5000    # a manual change request is approved after this long
 * rules:
 *   - name: 贸易方式黑名单
 *     field: TradeCode        # the text of the first element with this name; "*" = anywhere
 *     in: ["4403999999"]
 *     path: [7, L, E]         # declarations: the CHANNEL codes, in order
 *     paceMs: 500
 *   - family: manifest
 *     field: "*"
 *     contains: "#退单"
 *     outcome: refuse         # manifests: StatementCode 03; 金关二期: INV201/SAS221 退单; CEB: returnStatus -1
 *   - family: ceb
 *     field: ebcCode
 *     equals: "4403960002"
 *     path: [120, 100]        # CEB: the returnStatus codes after the e-port's 2, in order
 *     reason: 订购人身份信息校验未通过   # CEB: returnInfo of a 100 or negative status
 * ```
 */
import { cebReturnStatus, channelInfo, OswError } from '@osw/messages';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const NORMAL_PATH = ['7', 'L', 'J', 'P', 'R'] as const;
export const INSPECTION_PATH = ['7', 'L', 'C', 'P', 'R'] as const;
export const REFUSAL_PATH = ['7', 'L', 'E'] as const;
export const RETURN_PATH = ['7', 'L', 'Z'] as const;
export const DELETE_PATH = ['7', 'L', 'D'] as const;

/** CEB: what a refused message gets after the e-port's 2 — one receipt with a processing-error status (处理异常回执). */
export const CEB_REFUSAL_PATH = ['-1'] as const;

export const ScenarioRuleSchema = z
  .object({
    name: z.string().optional(),
    family: z.enum(['declaration', 'manifest', 'sas', 'ceb']).default('declaration'),
    field: z.string().min(1),
    contains: z.string().optional(),
    equals: z.string().optional(),
    in: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
    /** declarations: CHANNEL codes; CEB: returnStatus codes */
    path: z
      .array(z.union([z.string(), z.number()]).transform((c) => String(c)))
      .min(1)
      .optional(),
    outcome: z.enum(['accept', 'refuse']).optional(),
    /** CEB: the returnInfo of a refusal (100 海关退单 or a negative status) */
    reason: z.string().min(1).max(900).optional(),
    paceMs: z.number().int().min(0).optional(),
  })
  .superRefine((r, ctx) => {
    // each step must be a code of the rule's family: a CHANNEL for declarations, a returnStatus for CEB
    const known = r.family === 'ceb' ? (c: string) => !!cebReturnStatus(c) : (c: string) => !!channelInfo(c);
    r.path?.forEach((c, i) => {
      if (!known(c))
        ctx.addIssue({
          code: 'custom',
          path: ['path', i],
          message: r.family === 'ceb' ? 'an unknown returnStatus code' : 'an unknown CHANNEL code',
        });
    });
  })
  .refine((r) => r.contains !== undefined || r.equals !== undefined || r.in !== undefined, 'a rule needs contains, equals or in')
  .refine((r) => (r.family === 'declaration' ? !!r.path || r.outcome === 'refuse' : true), 'a declaration rule needs a path');

export const ScenarioSchema = z.object({
  paceMs: z.number().int().min(0).optional(),
  manualApprovalMs: z.number().int().min(0).optional(),
  defaults: z.boolean().default(true),
  rules: z.array(ScenarioRuleSchema).default([]),
});

export type ScenarioRule = z.output<typeof ScenarioRuleSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;

export const DEFAULT_RULES: ScenarioRule[] = [
  { name: '退单', family: 'declaration', field: 'NoteS', contains: '#退单', path: [...REFUSAL_PATH] },
  { name: '查验', family: 'declaration', field: 'NoteS', contains: '#查验', path: [...INSPECTION_PATH] },
  { name: '退回修改', family: 'declaration', field: 'NoteS', contains: '#退回修改', path: [...RETURN_PATH] },
  { name: '删单', family: 'declaration', field: 'NoteS', contains: '#删单', path: [...DELETE_PATH] },
  { name: '舱单退单', family: 'manifest', field: '*', contains: '#退单', outcome: 'refuse' },
  { name: '金关二期退单', family: 'sas', field: '*', contains: '#退单', outcome: 'refuse' },
  { name: '跨境电商退单', family: 'ceb', field: '*', contains: '#退单', outcome: 'refuse' },
];

export const DEFAULT_SCENARIO: Scenario = { defaults: true, rules: [] };

export function parseScenario(text: string, source = 'scenario'): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new OswError('OSW_CONFIG_INVALID', `${source}: not YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
  const r = ScenarioSchema.safeParse(raw ?? {});
  if (!r.success)
    throw new OswError(
      'OSW_CONFIG_INVALID',
      `${source}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text of the first element with this local name, or the whole document for `*`. */
export function fieldValue(xml: string, field: string): string | undefined {
  if (field === '*') return xml;
  const m = new RegExp(`<(?:[\\w.-]+:)?${escape(field)}(?:\\s[^>]*)?>([^<]*)</`).exec(xml);
  return m?.[1]?.trim();
}

export function ruleMatches(rule: ScenarioRule, xml: string): boolean {
  const v = fieldValue(xml, rule.field);
  if (v === undefined) return false;
  if (rule.contains !== undefined && !v.includes(rule.contains)) return false;
  if (rule.equals !== undefined && v !== rule.equals) return false;
  if (rule.in !== undefined && !rule.in.includes(v)) return false;
  return true;
}

/** The first matching rule of a family: the file's rules, then the defaults. */
export function firstRule(s: Scenario, family: ScenarioRule['family'], xml: string): ScenarioRule | undefined {
  const rules = [...s.rules, ...(s.defaults ? DEFAULT_RULES : [])];
  return rules.find((r) => r.family === family && ruleMatches(r, xml));
}
