/** The form rules the API and the console share (`@osw/messages/forms`). */
import { describe, expect, it } from 'vitest';
import {
  ClientApplyBody,
  DeclarationSubscriptionForm,
  ExtendForm,
  extensionProblem,
  formMessage,
  formProblems,
  ManualChangeForm,
  ManualSubscriptionForm,
  oneYearFrom,
  ReceiptSubscriptionForm,
  validityProblem,
} from '../src/forms.js';

describe('shared form rules', () => {
  it('a validity lies between today and one year from today; 29 February becomes 28 February', () => {
    expect(validityProblem('2026-11-21', '2026-11-22')).toBe('past');
    expect(validityProblem('2027-11-22', '2026-11-22')).toBeNull();
    expect(validityProblem('2027-11-23', '2026-11-22')).toBe('tooFar');
    expect(validityProblem('2026-02-30', '2026-01-01')).toBe('format');
    expect(oneYearFrom('2028-02-29')).toBe('2029-02-28');
  });

  it('an extension goes to a later day than the current validity, at most one year from today', () => {
    expect(extensionProblem('2027-01-31', '2027-03-31', '2026-11-22')).toBe('notLater');
    expect(extensionProblem('2027-03-31', '2027-03-31', '2026-11-22')).toBe('notLater');
    expect(extensionProblem('2027-04-01', '2027-03-31', '2026-11-22')).toBeNull();
    expect(extensionProblem('2027-11-22', '2027-03-31', '2026-11-22')).toBeNull();
    expect(extensionProblem('2027-11-23', '2027-03-31', '2026-11-22')).toBe('tooFar');
    expect(extensionProblem('2027-13-01', '2027-03-31', '2026-11-22')).toBe('format');
    expect(formProblems(ExtendForm, { validUntil: '2000-01-01', current: '2999-01-01' }, 'zh').validUntil).toBe(
      '延期日期须晚于当前有效期（2999-01-01）',
    );
  });

  it('a declaration subscription form needs a client and some content; problems come per field in the chosen language', () => {
    expect(formProblems(DeclarationSubscriptionForm, { clientId: '', declarationData: false, receiptTypes: [] }, 'zh')).toEqual({
      clientId: '请先查询并选择客户端',
      receiptTypes: '请至少选择一项订阅内容',
    });
    expect(
      formProblems(DeclarationSubscriptionForm, { clientId: 'DXPESW5300000001', declarationData: true, receiptTypes: [] }, 'en'),
    ).toEqual({});
  });

  it('a stock subscription checks its serial ranges against the 10,000 rows limit', () => {
    const p = formProblems(
      ManualSubscriptionForm,
      { clientId: 'DXPESW5300000001', kind: 'stock', manualNo: 'E53002600001', imgRange: '1-20000', exgRange: 'x' },
      'zh',
    );
    expect(p).toEqual({ imgRange: '料件序号范围超过10,000条', exgRange: '序号范围格式为 起始-结束，如 1-100' });
  });

  it('an SMS receipt subscription needs an 11-digit mobile number and the code', () => {
    expect(formProblems(ReceiptSubscriptionForm, { pushMethod: 'sms', mode: 'enterprise', phone: '1380013800' }, 'en')).toEqual({
      phone: 'enter an 11-digit mobile number',
      verificationCode: 'enter the 6-digit code',
    });
  });

  it('a manual change adding a row needs a 10-digit code and a name; modify needs the serial', () => {
    expect(
      formProblems(
        ManualChangeForm,
        {
          items: [
            { kind: 'exg', action: 'add', code: '85411' },
            { kind: 'img', action: 'modify' },
          ],
        },
        'zh',
      ),
    ).toEqual({
      'items.0.code': '商品编码须为10位数字',
      'items.0.name': '商品名称不能为空',
      'items.1.serial': '修改或删除须给出序号',
    });
  });

  it('bilingual messages give one language each; the API body schemas carry them', () => {
    const r = ClientApplyBody.safeParse({ region: '53', transport: 'https', environment: 'test', card: { cardNo: '1', pin: '' } });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => formMessage(i.message, 'en'));
    expect(messages).toEqual(expect.arrayContaining(['a 4-digit 关区代码, e.g. 5300', 'a card number has 13 digits', 'enter the PIN']));
    expect(formMessage('卡号为13位数字 (a card number has 13 digits)', 'zh')).toBe('卡号为13位数字');
  });
});
