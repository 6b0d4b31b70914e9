/**
 * Validation results: every problem at once, each with a path (`DecHead.TradeCode`) and a message
 * in Chinese and English.
 */
export interface Problem {
  /** where: element path, e.g. `DecHead.TradeCode` or `DecLists.DecList[2].GNo` */
  path: string;
  zh: string;
  en: string;
}

/** Collects problems while checking one message. */
export class Problems {
  readonly list: Problem[] = [];

  add(path: string, zh: string, en: string): this {
    this.list.push({ path, zh, en });
    return this;
  }

  /** a required field: present and not blank */
  required(path: string, value: string | undefined, zhName: string): boolean {
    if (value === undefined || value.trim() === '') {
      this.add(path, `${zhName}不能为空`, `${path} is required`);
      return false;
    }
    return true;
  }

  /** a field that must match a pattern when present (and, if required, be present) */
  pattern(
    path: string,
    value: string | undefined,
    re: RegExp,
    zh: string,
    en: string,
    opts: { required?: boolean; zhName?: string } = {},
  ): void {
    if (value === undefined || value === '') {
      if (opts.required) this.required(path, value, opts.zhName ?? path);
      return;
    }
    if (!re.test(value)) this.add(path, zh, en);
  }

  oneOf(path: string, value: string | undefined, allowed: readonly string[], zhName: string, opts: { required?: boolean } = {}): void {
    if (value === undefined || value === '') {
      if (opts.required) this.required(path, value, zhName);
      return;
    }
    if (!allowed.includes(value))
      this.add(
        path,
        `${zhName}须为 ${allowed.join('/')} 之一，实为 ${value}`,
        `${path} must be one of ${allowed.join(', ')}, got ${value}`,
      );
  }

  /**
   * 统一社会信用代码 (USCC): 18 characters, digits and capital letters, when present. The one check
   * every family uses (DecHead `TradeCoScc`…, INV101 `DclEtpsSccd`…).
   */
  uscc(path: string, value: string | undefined): void {
    const field = path.slice(path.lastIndexOf('.') + 1);
    this.pattern(path, value, /^[0-9A-Z]{18}$/, `${field}须为18位统一社会信用代码`, `${field} must be an 18-character USCC`);
  }

  maxLength(path: string, value: string | undefined, max: number, zhName: string): void {
    if (value !== undefined && [...value].length > max)
      this.add(path, `${zhName}长度不能超过${max}`, `${path} is longer than ${max} characters`);
  }

  get ok(): boolean {
    return this.list.length === 0;
  }
}

/** One line per problem, for CLIs and logs. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.zh} (${p.en})`).join('\n');
}
