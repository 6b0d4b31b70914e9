/** `osw message inspect|validate|sign|verify`. Exit codes: 0 fine, 1 problems found / not verified, 2 unreadable. */
import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { CardFileSigner, readCardFile } from '@osw/client';
import {
  formatProblems,
  inspectMessage,
  looksLikeZip,
  OswError,
  readDeclarationZip,
  signMessage,
  toUtf8XmlText,
  validateMessage,
  verifyMessage,
  writeZip,
} from '@osw/messages';

function fail(action: string, file: string, err: unknown): void {
  const e = err as Error & { code?: string };
  const code = e instanceof OswError ? e.code : (e.code ?? 'ERROR');
  process.stderr.write(`osw message ${action}: cannot read ${file}: [${code}] ${e.message}\n`);
  process.exitCode = 2;
}

/** The message of a file (XML, or the XML of a declaration ZIP) and the names of the ZIP's attachments. */
async function messageOf(file: string): Promise<{ xml: string; attachments: string[] }> {
  const bytes = await readFile(file);
  if (!looksLikeZip(bytes)) return { xml: toUtf8XmlText(bytes), attachments: [] };
  const zip = await readDeclarationZip(bytes);
  return { xml: toUtf8XmlText(zip.xml.data), attachments: zip.attachments.map((a) => a.name) };
}

export function messageCommands(program: Command): void {
  const message = program.command('message').description('read, check, sign and verify Single Window messages');

  message
    .command('inspect')
    .argument('<file>', 'an XML message or a declaration ZIP')
    .description('print the family, root, message type and identifying fields as JSON')
    .action(async (file: string) => {
      try {
        process.stdout.write(JSON.stringify({ file, ...(await inspectMessage(await readFile(file))) }, null, 2) + '\n');
      } catch (err) {
        fail('inspect', file, err);
      }
    });

  message
    .command('validate')
    .argument('<file>', 'an XML message or a declaration ZIP')
    .option('--json', 'print the report as JSON')
    .description('print every problem (path, Chinese, English); exit code 1 when there is one')
    .action(async (file: string, o: { json?: boolean }) => {
      try {
        const { xml, attachments } = await messageOf(file);
        const report = validateMessage(xml, { attachments });
        if (o.json) process.stdout.write(JSON.stringify({ file, ...report }, null, 2) + '\n');
        else if (report.problems.length)
          process.stdout.write(
            `${file}: ${report.family} ${report.messageType}: ${report.problems.length} problem(s)\n${formatProblems(report.problems)}\n`,
          );
        else
          process.stdout.write(
            `${file}: ${report.family} ${report.messageType}: ${report.rulesApplied ? 'no problems' : 'readable (no further rules for this message type)'}\n`,
          );
        if (report.problems.length) process.exitCode = 1;
      } catch (err) {
        fail('validate', file, err);
      }
    });

  message
    .command('sign')
    .argument('<file>', 'a DecMessage (XML or ZIP), a 金关二期 Package or a CEB message')
    .requiredOption('--card <cardfile>', 'the IC card file (osw-card/1)')
    .option('--pin <pin>', 'the card PIN (or set OSW_CARD_PIN; a wrong PIN counts down the card)')
    .option('--out <file>', 'where to write the signed message (default: standard output)')
    .description('sign with the card (SM2/SM3)')
    .action(async (file: string, o: { card: string; pin?: string; out?: string }) => {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (err) {
        return fail('sign', file, err);
      }
      try {
        const { key, card } = await new CardFileSigner(o.card, o.pin ?? process.env.OSW_CARD_PIN).openKey();
        const signing = { privateKey: key, cardNo: card.cardNo, publicKeyPem: card.publicKeyPem };
        let out: Buffer;
        if (looksLikeZip(bytes)) {
          const zip = await readDeclarationZip(bytes);
          const signed = signMessage(toUtf8XmlText(zip.xml.data), signing, new Date());
          out = await writeZip([{ name: zip.xml.name, data: Buffer.from(signed.xml, 'utf8') }, ...zip.attachments]);
        } else out = Buffer.from(signMessage(toUtf8XmlText(bytes), signing, new Date()).xml, 'utf8');
        if (o.out) await writeFile(o.out, out);
        else process.stdout.write(out);
      } catch (err) {
        const e = err as Error & { code?: string };
        process.stderr.write(`osw message sign: [${e.code ?? 'ERROR'}] ${e.message}\n`);
        process.exitCode = e instanceof OswError && /^C9\d\d$|^C1\d\d$/.test(e.code) ? 1 : 2;
      }
    });

  message
    .command('verify')
    .argument('<file>', 'a signed message (XML or declaration ZIP)')
    .option('--card <cardfile>', 'verify with the public key of this card file')
    .option('--public-key <pem>', 'verify with this SM2 public key (PEM file)')
    .description('check the SM2/SM3 signature; exit code 1 when it does not verify')
    .action(async (file: string, o: { card?: string; publicKey?: string }) => {
      if (!o.card && !o.publicKey) {
        process.stderr.write('osw message verify: give --card <cardfile> or --public-key <pem>\n');
        process.exitCode = 2;
        return;
      }
      try {
        const pem = o.card ? (await readCardFile(o.card)).publicKeyPem : await readFile(o.publicKey!, 'utf8');
        const r = verifyMessage((await messageOf(file)).xml, pem);
        process.stdout.write(JSON.stringify({ file, ...r }) + '\n');
        if (!r.ok) process.exitCode = 1;
      } catch (err) {
        fail('verify', file, err);
      }
    });
}
