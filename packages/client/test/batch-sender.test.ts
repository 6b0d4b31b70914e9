/** The send path in batches: claimed files sent with one call per batch and filed together. */
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCardKeys, parseFailureRoot, silentLogger, systemClock, verifyDecMessage } from '@osw/messages';
import { EXAMPLES, tempDir, withClientSeqNo } from '../../../test/helpers.js';
import { CardFileSigner, claimedWorkName, FsBusinessFolders, TransportError, writeCardFile } from '../src/index.js';
import type { OutgoingMessage, SendResult, Transport } from '../src/index.js';
import { sendWorkBatch } from '../src/core/batch-sender.js';
import { BusinessRunner, stampSource } from '../src/core/business-runner.js';
import type { SenderDeps } from '../src/core/sender.js';
import { outBoxWatch } from '../src/adapters/fs/watch.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
const keys = generateCardKeys('12345678');
const opts = { maxFileBytes: 10 * 1024 * 1024, sendRetryForMs: 0, retryBaseMs: 10, retryMaxMs: 10 };
const answer = (id: string) => `<DecImportResponse><ResponseCode>0</ResponseCode><ClientSeqNo>${id}</ClientSeqNo></DecImportResponse>`;

/** A platform that answers every message at once, and says what it was sent. */
function stubTransport(refuse: (msg: OutgoingMessage) => TransportError | null = () => null) {
  const calls: OutgoingMessage[][] = [];
  const transport = {
    async sendBatch(msgs: readonly OutgoingMessage[]): Promise<SendResult[]> {
      calls.push([...msgs]);
      return msgs.map((m): SendResult => {
        const error = refuse(m);
        return error ? { ok: false, error } : { ok: true, answer: { accepted: true, duplicate: false, responseXml: answer(m.messageId) } };
      });
    },
  } as unknown as Transport;
  return { transport, calls };
}

const filesIn = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());

describe('sending in batches', () => {
  const temps: (() => void)[] = [];
  afterEach(() => temps.splice(0).forEach((c) => c()));

  async function setUp(transport: Transport) {
    const t = tempDir('osw-batch-');
    temps.push(t.cleanup);
    const folders = new FsBusinessFolders(path.join(t.dir, 'DecCus001'));
    await folders.ensure();
    const cardFile = path.join(t.dir, 'card.json');
    await writeCardFile(cardFile, { cardNo: '8950000000009', kind: 'operator', enterpriseCode: '4403980001', ...(await keys) });
    const deps: SenderDeps = {
      clientId: 'DXPESW5300000001',
      business: 'declaration',
      folders,
      transport,
      signer: new CardFileSigner(cardFile, '12345678'),
      clock: systemClock,
      logger: silentLogger,
    };
    return { folders, deps };
  }

  function claim(folders: FsBusinessFolders, n: number, body: (i: number) => string = () => withClientSeqNo(example)) {
    const stamps = stampSource();
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const workName = claimedWorkName(stamps.next(new Date()), `dec-${i}.xml`);
      writeFileSync(path.join(folders.paths.work, workName), body(i));
      names.push(workName);
    }
    return names;
  }

  it('a batch of N files: one send call, N signed files in SentBox, N Successed_ in InBox, nothing left claimed', async () => {
    const { transport, calls } = stubTransport();
    const { folders, deps } = await setUp(transport);
    const outcome = await sendWorkBatch(deps, opts, claim(folders, 6), undefined);
    expect(outcome).toEqual({ sent: 6, failed: 0 });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(6);
    const sent = filesIn(folders.paths.sentBox);
    expect(sent).toHaveLength(6);
    for (const f of sent)
      expect(verifyDecMessage(readFileSync(path.join(f.parentPath, f.name), 'utf8'), (await keys).publicKeyPem)).toBe(true);
    expect(
      filesIn(folders.paths.inBox)
        .map((f) => f.name)
        .filter((n) => /^Successed_dec-\d_\d{21}\.xml$/.test(n)),
    ).toHaveLength(6);
    expect(readdirSync(folders.paths.work)).toEqual([]);
  });

  it('a refusal of one message fails only that file (FailBox + Failed_ C18); a file refused here fails alone too', async () => {
    const { transport, calls } = stubTransport((m) =>
      m.fileName === 'dec-1.xml' ? new TransportError('OSW_TRANSPORT_UNREACHABLE', 'refused by the exchange', { retryable: false }) : null,
    );
    const { folders, deps } = await setUp(transport);
    const names = claim(folders, 4, (i) => (i === 3 ? '' : withClientSeqNo(example)));
    const outcome = await sendWorkBatch(deps, opts, names, undefined);
    expect(outcome).toEqual({ sent: 2, failed: 2 });
    expect(calls).toHaveLength(1);
    expect(calls[0].map((m) => m.fileName)).toEqual(['dec-0.xml', 'dec-1.xml', 'dec-2.xml']);
    expect(
      filesIn(folders.paths.sentBox)
        .map((f) => f.name.replace(/_\d{21}/, ''))
        .sort(),
    ).toEqual(['dec-0.xml', 'dec-2.xml']);
    expect(
      filesIn(folders.paths.failBox)
        .map((f) => f.name.replace(/_\d{21}/, ''))
        .sort(),
    ).toEqual(['dec-1.xml', 'dec-3.xml']);
    const inBox = filesIn(folders.paths.inBox).map((f) => f.name);
    expect(inBox.filter((n) => n.startsWith('Successed_'))).toHaveLength(2);
    const failed = (name: string) => {
      const file = inBox.find((n) => n.startsWith(`Failed_${name}_`))!;
      return parseFailureRoot(readFileSync(path.join(folders.paths.inBox, file), 'utf8'));
    };
    expect(failed('dec-1')).toMatchObject({ failCode: 'C18' });
    expect(failed('dec-1').failInfo).toContain('dec-1.xml错误信息：发送报文时发生错误, refused by the exchange');
    expect(failed('dec-3')).toMatchObject({ failCode: 'C901' });
    expect(readdirSync(folders.paths.work)).toEqual([]);
  });

  it('the runner claims and sends in batches, and lists OutBox only on its periodic rescan, not per file', async () => {
    const { transport, calls } = stubTransport();
    const { folders, deps } = await setUp(transport);
    let listings = 0;
    const list = folders.listOutBoxNames.bind(folders);
    folders.listOutBoxNames = () => {
      listings++;
      return list();
    };
    const past = new Date(Date.now() - 60_000);
    const n = 120;
    mkdirSync(folders.paths.outBox, { recursive: true });
    for (let i = 0; i < n; i++) {
      const f = path.join(folders.paths.outBox, `dec-${i}.xml`);
      writeFileSync(f, withClientSeqNo(example));
      utimesSync(f, past, past);
    }
    const runner = new BusinessRunner(
      deps,
      { ...opts, maxConcurrentTasks: 8, sendBatchFiles: 20, stableMs: 100, rescanMs: 60_000 },
      outBoxWatch(folders.paths.outBox),
      stampSource(),
    );
    const started = Date.now();
    await runner.start();
    try {
      while (filesIn(folders.paths.sentBox).length < n && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
      await runner.idle();
    } finally {
      await runner.stop();
    }
    expect(filesIn(folders.paths.sentBox)).toHaveLength(n);
    expect(filesIn(folders.paths.inBox).filter((f) => f.name.startsWith('Successed_'))).toHaveLength(n);
    expect(calls.flat()).toHaveLength(n);
    expect(calls.length).toBeLessThanOrEqual(n / 2);
    expect(listings).toBe(1);
  });
});
