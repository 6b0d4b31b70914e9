/**
 * Fuzz targets for the parsers: arbitrary bytes and mangled real messages must either parse or throw
 * our typed MessageRejected — never anything else, never hang.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, FIXTURES } from '../../../test/helpers.js';
import {
  decodeXml,
  inspectMessage,
  MessageRejected,
  parseCeb,
  parseDecMessage,
  parseManifest,
  parseSasPackage,
  parseTree,
  quickSniff,
  sniffBytes,
  validateMessage,
} from '../src/index.js';

const seeds = [
  ...readdirSync(FIXTURES).map((f) => readFileSync(path.join(FIXTURES, f))),
  readFileSync(path.join(EXAMPLES, 'declaration.xml')),
];

function onlyTyped(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof MessageRejected))
      throw new Error(`untyped error: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
}

const parsers: [string, (b: Uint8Array) => unknown][] = [
  ['sniffBytes', (b) => sniffBytes(b)],
  ['parseTree', (b) => parseTree(decodeXml(b))],
  ['parseDecMessage', (b) => parseDecMessage(decodeXml(b))],
  ['parseSasPackage', (b) => parseSasPackage(decodeXml(b))],
  ['parseManifest', (b) => parseManifest(decodeXml(b))],
  ['parseCeb', (b) => parseCeb(decodeXml(b))],
  ['validateMessage', (b) => validateMessage(decodeXml(b))],
];

/** a real message with a slice cut out, a byte changed or a tag doubled */
const mangled = fc
  .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('cut', 'flip', 'truncate', 'dup'))
  .map(([seed, a, b, byte, how]) => {
    const i = a % seed.length;
    const j = Math.min(seed.length, i + (b % 64));
    if (how === 'cut') return Buffer.concat([seed.subarray(0, i), seed.subarray(j)]);
    if (how === 'truncate') return seed.subarray(0, i);
    if (how === 'dup') return Buffer.concat([seed.subarray(0, j), seed.subarray(i, j), seed.subarray(j)]);
    const copy = Buffer.from(seed);
    copy[i] = byte;
    return copy;
  });

describe('parsers never throw anything but typed errors (fuzz)', () => {
  for (const [name, parse] of parsers) {
    it(`${name}: arbitrary bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => onlyTyped(() => parse(bytes))),
        { numRuns: 300 },
      );
    });
    it(`${name}: mangled real messages`, () => {
      fc.assert(
        fc.property(mangled, (bytes) => onlyTyped(() => parse(bytes))),
        { numRuns: 300 },
      );
    });
  }

  it('quickSniff never throws at all', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), (b) => void quickSniff(b)),
      { numRuns: 500 },
    );
  });

  it('ZIP inspection of arbitrary bytes only throws typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), async (b) => {
        const bytes = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(b)]);
        try {
          await inspectMessage(bytes);
        } catch (err) {
          if (!(err instanceof MessageRejected)) throw new Error(`untyped error: ${(err as Error).message}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('entity expansion and external entities are refused up front (C902)', () => {
    const lol =
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><DEC_RESULT><NOTE>&b;</NOTE></DEC_RESULT>';
    const xxe = '<?xml version="1.0"?><!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]><DEC_RESULT><NOTE>&x;</NOTE></DEC_RESULT>';
    for (const x of [lol, xxe]) {
      expect(() => sniffBytes(Buffer.from(x))).toThrowError(MessageRejected);
      expect(() => parseTree(x)).toThrow(/DOCTYPE/);
    }
  });

  it('deep nesting is read without a stack overflow or refused with a typed error', () => {
    const depth = 20_000;
    const deep = '<a>'.repeat(depth) + '</a>'.repeat(depth);
    onlyTyped(() => sniffBytes(Buffer.from(deep)));
    onlyTyped(() => parseTree(deep));
  });
});
