/**
 * The import client against untrusted messages, with a real platform and real folders: a message in
 * the receive queue that cannot be filed never holds up the ones behind it.
 */
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClient, type ClientConfigInput, type RunningClient } from '@osw/client';
import { filesBelow, tempDir, waitFor } from '../helpers.js';
import { platformWorld, silent, type World } from '../support/platform-world.js';

const boxes = (cfg: ClientConfigInput, bizId = 'DecCus001') => {
  const root = path.join(cfg.impPath, bizId);
  return {
    root,
    outBox: path.join(root, 'OutBox'),
    sentBox: path.join(root, 'SentBox'),
    failBox: path.join(root, 'FailBox'),
    inBox: path.join(root, 'InBox'),
    work: path.join(root, '.osw-work'),
  };
};

/** A logger that keeps its lines, to check what the client says. */
function keptLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

describe('import client: untrusted messages', () => {
  let t: ReturnType<typeof tempDir>;
  let w: World;
  const running: RunningClient[] = [];
  const start = async (cfg: ClientConfigInput, logger = silent) => {
    const c = await startClient(cfg, { logger, lockDir: path.join(t.dir, 'locks') });
    running.push(c);
    return c;
  };

  beforeAll(async () => {
    t = tempDir('osw-client-untrusted-');
    w = await platformWorld(t.dir);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop(0)));
  });
  afterAll(async () => {
    await w?.stop();
    t?.cleanup();
  });

  it('receiving over HTTP: a message that cannot be filed is acknowledged, written nowhere and logged once with its reason; the next one is filed', async () => {
    const cfg = w.config({}, 'poison-http');
    const { logger, lines } = keptLogger();
    const c = await start(cfg, logger);
    const b = boxes(cfg);
    const at = new Date().toISOString();
    const poison: { fileName: string; business?: string; body?: string; messageId?: string; reason: RegExp }[] = [
      { fileName: '', reason: /empty/ },
      { fileName: '../escape.xml', reason: /path separator/ },
      { fileName: 'sub/escape.xml', reason: /path separator/ },
      { fileName: '..', reason: /"\.\."/ },
      { fileName: 'new\nline.xml', reason: /control characters/ },
      { fileName: 'CON.xml', reason: /device name/ },
      { fileName: 'stream:x.xml', reason: /Windows does not allow/ },
      { fileName: '.hidden.xml', reason: /hidden or temporary/ },
      { fileName: 'Receipt_EMPTY_202611211200000000001.xml', body: '', reason: /body is empty/ },
      { fileName: 'Receipt_TEXT_202611211200000000002.xml', body: 'not xml', reason: /not XML/ },
      { fileName: 'Receipt_NOBIZ_202611211200000000003.xml', business: '', reason: /no business/ },
      { fileName: 'Receipt_BADID_202611211200000000004.xml', messageId: 'bad id\nforged', reason: /message id/ },
    ];
    await w.platform.deps.store.deliveries.enqueue([
      ...poison.map((p, i) => ({
        clientId: w.broker.clientId,
        messageId: p.messageId ?? `POISONHTTP${String(i).padStart(4, '0')}`,
        business: p.business ?? 'declaration',
        fileName: p.fileName,
        body: p.body ?? '<DEC_RESULT/>',
        createdAt: at,
      })),
      {
        clientId: w.broker.clientId,
        messageId: 'GOODHTTP0001',
        business: 'declaration',
        fileName: 'Receipt_GOOD_202611211200000000005.xml',
        body: '<DEC_RESULT/>',
        createdAt: at,
      },
    ]);
    w.platform.deps.notifier.notify(w.broker.clientId);
    await waitFor(() => filesBelow(b.inBox).includes('Receipt_GOOD_202611211200000000005.xml'), 'the good receipt after the poison');
    await waitFor(async () => (await w.platform.deps.store.deliveries.countPending(w.broker.clientId)) === 0, 'every delivery settled');
    expect(filesBelow(b.inBox)).toEqual(['Receipt_GOOD_202611211200000000005.xml']);
    expect(filesBelow(path.dirname(cfg.impPath), { hidden: true }).filter((f) => f.endsWith('.tmp') || f.includes('escape'))).toEqual([]);
    expect(c.snapshot().received).toMatchObject({ files: 1, rejected: poison.length });
    const refusals = lines.filter((l) => l.msg === 'received message cannot be filed: rejected, nothing written');
    expect(refusals).toHaveLength(poison.length);
    for (const p of poison) expect(refusals.filter((l) => p.reason.test(String(l.reason))).length, String(p.reason)).toBeGreaterThan(0);
  });
});
