import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLES, tempDir } from '../../../test/helpers.js';
import { generateCardKeys, MessageRejected, verifyDecMessage, type Logger, type OswError } from '@osw/messages';
import { CardFileSigner, parseClientConfig, readCardFile, resolveBusinesses, StabilityTracker, writeCardFile } from '../src/index.js';
import { claimedWorkName, messageIdFor, parseWorkName, signedWorkName } from '../src/core/work-name.js';
import { DailyLogStream, teeLogger, textLine } from '../src/adapters/log/daily-log.js';
import { inBoxNameProblem, outBoxNameProblem, printableName, safeFileName } from '../src/core/file-names.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');

async function codeOf(p: Promise<unknown>) {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (!(e instanceof MessageRejected)) throw e;
    return e.code;
  }
}

describe('import client rules', () => {
  const temps: (() => void)[] = [];
  afterEach(() => temps.splice(0).forEach((c) => c()));
  const dir = () => {
    const t = tempDir();
    temps.push(t.cleanup);
    return t.dir;
  };

  it('a file is ready only once size and mtime stayed the same for stableMs', () => {
    const s = new StabilityTracker(500);
    expect(s.observe('a.xml', 10, 1, 0)).toBe(false);
    expect(s.observe('a.xml', 10, 1, 400)).toBe(false);
    expect(s.observe('a.xml', 20, 2, 600)).toBe(false); // still growing
    expect(s.observe('a.xml', 20, 2, 1000)).toBe(false);
    expect(s.observe('a.xml', 20, 2, 1100)).toBe(true);
    s.retain(new Set());
    expect(s.size).toBe(0);
    // first seen long after its last change: ready at once; a future mtime (clock skew) is not trusted
    expect(s.observe('old.xml', 5, 1_000, 10_000)).toBe(true);
    expect(s.observe('future.xml', 5, 20_000, 10_000)).toBe(false);
  });

  it('work names fix the message id and survive a round trip', () => {
    const stamp = '202611211200000000001';
    expect(parseWorkName(claimedWorkName(stamp, 'a_b__c.xml'))).toEqual({ stamp, original: 'a_b__c.xml', signed: false });
    expect(parseWorkName(signedWorkName(stamp, 'x.zip'))).toEqual({ stamp, original: 'x.zip', signed: true });
    expect(messageIdFor('DXPESW5300000001', stamp)).toBe('DXPESW5300000001202611211200000000001');
    expect(parseWorkName('random.xml')).toBeNull();
    // a name with a newline parses too: it must be found to be refused (C913), not left in the work folder
    expect(parseWorkName(claimedWorkName(stamp, 'a\nb.xml'))).toEqual({ stamp, original: 'a\nb.xml', signed: false });
  });

  it('names: what the exchange cannot carry goes to FailBox under a safe name; the InBox takes plain names only', () => {
    for (const bad of ['a\nb.xml', 'tab\t.xml', 'back\\slash.xml', 'nul\u0000.xml', 'bytes\uFFFD.xml', 'lone\uD800.xml', 'c1\u0085.xml'])
      expect(outBoxNameProblem(bad), JSON.stringify(bad)).not.toBeNull();
    for (const good of ['报关单 深圳.xml', 'a:b?.xml', 'x'.repeat(200) + '.xml', '😀.xml'])
      expect(outBoxNameProblem(good), good).toBeNull();
    expect(safeFileName('a\nb\\c\uFFFD\uD800.xml')).toBe('a_b_c__.xml');
    expect(printableName('a\nb.xml')).toBe('a\\u000ab.xml');
    const inBox = [
      '',
      '.',
      '..',
      '../x.xml',
      'a/b.xml',
      'a\\b.xml',
      'a\nb.xml',
      'CON.xml',
      'lpt1',
      'a:b.xml',
      'a?.xml',
      'x.xml.',
      'x.xml ',
      '.hidden.xml',
      'x.xml.tmp',
      '~x.xml',
      'x'.repeat(252) + '.xml',
    ];
    for (const bad of inBox) expect(inBoxNameProblem(bad), JSON.stringify(bad)).not.toBeNull();
    for (const good of ['Receipt_E20260000000999999_202611211200000000001.xml', 'DecData_E2026_1.xml', '回执 1.xml', 'CONSOLE.xml'])
      expect(inBoxNameProblem(good), good).toBeNull();
  });

  it('a wrong PIN counts down ("还可以重试N次") and locks the card at zero; the right PIN signs', async () => {
    const file = path.join(dir(), 'card.json');
    const keys = await generateCardKeys('12345678');
    await writeCardFile(file, { cardNo: '8950000000009', kind: 'operator', enterpriseCode: '4403980001', ...keys });
    const wrong = new CardFileSigner(file, '00000000');
    const err = await wrong.signDeclaration(example, new Date()).catch((e) => e as MessageRejected);
    expect((err as MessageRejected).code).toBe('C134');
    expect((err as MessageRejected).message).toContain('还可以重试4次');
    expect((await readCardFile(file)).triesLeft).toBe(4);
    // the same wrong PIN is not tried again: no countdown
    expect(await codeOf(new CardFileSigner(file, '00000000').signDeclaration(example, new Date()))).toBe('C134');
    expect((await readCardFile(file)).triesLeft).toBe(4);
    const right = new CardFileSigner(file, '12345678');
    expect(verifyDecMessage(await right.signDeclaration(example, new Date()), keys.publicKeyPem)).toBe(true);
    expect((await readCardFile(file)).triesLeft).toBe(5);
    for (const [i, pin] of ['11111111', '22222222', '33333333', '44444444', '55555555'].entries()) {
      const e = await new CardFileSigner(file, pin).signDeclaration(example, new Date()).catch((x) => x as MessageRejected);
      expect((e as MessageRejected).code).toBe('C134');
      if (i === 4) expect((e as MessageRejected).message).toContain('已锁定');
    }
    expect((await readCardFile(file)).locked).toBe(true);
    expect(await codeOf(new CardFileSigner(file, '12345678').signDeclaration(example, new Date()))).toBe('C910');
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).not.toContain('pin');
  });

  it('no PIN set gives C144; an unreadable card file gives C909', async () => {
    const file = path.join(dir(), 'card.json');
    await writeCardFile(file, {
      cardNo: '8950000000009',
      kind: 'operator',
      enterpriseCode: '4403980001',
      ...(await generateCardKeys('12345678')),
    });
    expect(await codeOf(new CardFileSigner(file, undefined).signDeclaration(example, new Date()))).toBe('C144');
    expect(await codeOf(new CardFileSigner(path.join(dir(), 'missing.json'), '1').signDeclaration(example, new Date()))).toBe('C909');
  });

  it('config: IBM MQ chosen as the transport (by name or by url) is refused with its own code, naming the supported transports', () => {
    const problem = (platform: Record<string, unknown>) => {
      try {
        parseClientConfig({ clientId: 'DXPESW5300000001', platform: { secret: 's', ...platform }, impPath: '/imp' });
        return null;
      } catch (e) {
        return e as OswError;
      }
    };
    for (const platform of [
      { url: 'http://127.0.0.1:1', transport: 'ibmmq' },
      { url: 'amqp://127.0.0.1:5672', transport: 'IBM MQ' },
      { url: 'wmq://mq.example:1414/QM1' },
      { url: 'ibmmq://mq.example:1414' },
    ]) {
      const e = problem(platform)!;
      expect(e.code, JSON.stringify(platform)).toBe('OSW_CLIENT_TRANSPORT_UNSUPPORTED');
      expect(e.message).toContain('暂不支持IBM MQ传输方式');
      expect(e.message).toContain('supported transports are https');
      expect(e.message).toContain('rabbitmq');
    }
    expect(problem({ url: 'http://127.0.0.1:1', transport: 'rabbitmq' })).toMatchObject({ code: 'OSW_CONFIG_INVALID' });
    expect(problem({ url: 'http://127.0.0.1:1', transport: 'smtp' })?.message).toContain('the supported transports are https and rabbitmq');
    expect(problem({ url: 'amqps://127.0.0.1:5671/osw', transport: 'rabbitmq' })).toBeNull();
    expect(problem({ url: 'https://platform.example', transport: 'HTTPS' })).toBeNull();
  });

  it('SWLog: lines written faster than the disk takes them are written together, every one, in order, in both formats', async () => {
    for (const format of ['json', 'text'] as const) {
      const t = tempDir();
      const log = new DailyLogStream(t.dir, format);
      const writes: number[] = [];
      const write = log._write.bind(log);
      log._write = (chunk, enc, done) => {
        writes.push(String(chunk).split('\n').filter(Boolean).length);
        write(chunk, enc, done);
      };
      for (let i = 0; i < 500; i++)
        log.write(JSON.stringify({ level: 30, time: Date.now(), bizId: 'DecCus001', msg: 'sent', file: `f${i}.xml` }) + '\n');
      await new Promise<void>((resolve, reject) => log.end((err?: Error | null) => (err ? reject(err) : resolve())));
      const lines = readFileSync(log.fileFor(new Date()), 'utf8').split('\n').filter(Boolean);
      expect(lines.map((l) => /f(\d+)\.xml/.exec(l)![1])).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
      // the first line goes alone; the ones that waited behind it go in a few writes, not one each
      expect(writes.reduce((a, b) => a + b, 0)).toBe(500);
      expect(writes.length).toBeLessThan(10);
      t.cleanup();
    }
  });

  it("SWLog text lines: China time, level, business, the event in the manual's words, then file, message id, failCode and reason on one line", () => {
    const at = '2026-11-30T16:30:00.123Z'; // 00:30 on 12-01 in China
    expect(
      textLine({
        level: 30,
        time: at,
        clientId: 'DXPESW5300000001',
        bizId: 'DecCus001',
        msg: 'sent',
        file: 'a b.xml',
        msgId: 'M1',
        receipt: 'R.xml',
      }),
    ).toBe('2026-12-01 00:30:00.123 INFO  [DecCus001] 发送成功 (sent) file="a b.xml" msgId=M1 receipt=R.xml');
    expect(
      textLine({
        level: 50,
        time: at,
        bizId: 'Sas',
        msg: 'send failed: moved to FailBox',
        failCode: 'C18',
        reason: 'line one\nline two',
        err: { message: 'boom', stack: 'x\ny' },
      }),
    ).toBe('2026-12-01 00:30:00.123 ERROR [Sas] 发送失败 (send failed: moved to FailBox) failCode=C18 reason="line one line two" err=boom');
    expect(textLine({ level: 30, time: at, msg: 'something new', n: 3 })).toBe('2026-12-01 00:30:00.123 INFO  something new n=3');
  });

  it('tee logger: each event goes to both loggers, children alike', () => {
    const seen: string[] = [];
    const sink = (name: string): Logger => ({
      info: (o, m) => seen.push(`${name}:info:${m}:${JSON.stringify(o)}`),
      warn: (o, m) => seen.push(`${name}:warn:${m}`),
      error: (o, m) => seen.push(`${name}:error:${m}`),
      debug: (o, m) => seen.push(`${name}:debug:${m}`),
      child: (b) => ({ ...sink(`${name}/${Object.values(b).join()}`) }),
    });
    const tee = teeLogger(sink('a'), sink('b'));
    tee.child({ bizId: 'DecCus001' }).warn({}, 'x');
    tee.info({ k: 1 }, 'y');
    expect(seen).toEqual(['a/DecCus001:warn:x', 'b/DecCus001:warn:x', 'a:info:y:{"k":1}', 'b:info:y:{"k":1}']);
  });

  it('config: every problem is reported at once, and the 14 businesses get their folders', () => {
    let message = '';
    try {
      parseClientConfig({ clientId: 'bad', platform: { url: 'ftp://x', secret: '' }, impPath: '' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('4 problem(s)');
    expect(message).toContain('clientId');
    expect(message).toContain('platform.url');
    const cfg = parseClientConfig({
      clientId: 'DXPESW5300000001',
      platform: { url: 'http://127.0.0.1:1', secret: 's' },
      impPath: '/imp',
      businesses: { declaration: { bizId: 'MyDec', maxConcurrentTasks: 8 } },
    });
    const b = resolveBusinesses(cfg);
    expect(b).toHaveLength(14);
    expect(b.find((x) => x.type === 'declaration')).toMatchObject({
      bizId: 'MyDec',
      root: path.join('/imp', 'MyDec'),
      maxConcurrentTasks: 8,
    });
    expect(b.find((x) => x.type === 'processing-trade')).toMatchObject({ bizId: 'Sas' });
    expect(existsSync('/imp')).toBe(false);
  });
});
