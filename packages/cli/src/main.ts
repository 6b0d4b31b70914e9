/** The one command line: `osw demo`, `osw message …` (more arrive with the platform and client). */
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startDemo, tour } from './demo.js';
import { clientCommands } from './client-commands.js';
import { messageCommands } from './message-commands.js';
import { platformCommands } from './platform-commands.js';
import { signerCommands } from './signer-commands.js';
import { fileLogger } from './logger.js';
import { stopOnSignals } from './shutdown.js';
import { oswVersion } from './version.js';

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
    return n;
  };
}

// a closed pipe (`osw … | head`) is not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('osw')
  .description('open-single-window: import client, platform and customs sandbox')
  .version(oswVersion())
  .showHelpAfterError();

program
  .command('demo')
  .description('run the all-in-one demo: platform, customs sandbox and two import clients')
  .option('--home <dir>', 'folder for the database, client folders and demo.json', '.osw-demo')
  .option('--port <n>', 'HTTP port of the platform (0 = any free port)', int('--port'), 8080)
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .option('--pace-ms <n>', 'time between two sandbox receipts (0 = at once)', int('--pace-ms'), 2000)
  .option('--stable-ms <n>', 'how long an OutBox file must stay unchanged before it is sent', int('--stable-ms'), 500)
  .option(
    '--scenario <file>',
    'customs sandbox scenario (YAML/JSON): which declarations are inspected, refused… and the pace (docs/sandbox.md)',
  )
  .option(
    '--store <url>',
    'where the data lives: postgres://user:password@host:5432/db (an empty database) or a SQLite file (default <home>/platform.db)',
  )
  .option(
    '--exchange <url>',
    "http (default), or the platform's RabbitMQ user amqp(s)://user:password@host:5672/vhost: the clients then use RabbitMQ",
  )
  .option('--ca-file <file>', "CA of the broker's certificate, for amqps:// with a private CA")
  .option('--no-swlog', 'the clients do not write their daily logs (<client folder>/logs/<yyyyMMdd>/SWLog-<yyyyMMdd>.log)')
  .action(
    async (o: {
      swlog: boolean;
      home: string;
      port: number;
      host: string;
      paceMs: number;
      stableMs: number;
      scenario?: string;
      store?: string;
      exchange?: string;
      caFile?: string;
    }) => {
      const home = path.resolve(o.home);
      const logFile = path.join(home, 'logs', 'osw.log');
      const logger = await fileLogger(logFile);
      const demo = await startDemo({
        home,
        port: o.port,
        host: o.host,
        paceMs: o.paceMs,
        stableMs: o.stableMs,
        scenarioFile: o.scenario,
        store: o.store,
        exchange: o.exchange,
        caFile: o.caFile,
        swLog: o.swlog,
        logger,
      });
      process.stdout.write(tour(demo.contract, home, logFile));
      stopOnSignals({
        stopping: 'finishing files in flight… (again to force)',
        stop: async () => {
          await demo.close();
          logger.flush();
        },
      });
    },
  );

messageCommands(program);
clientCommands(program);
platformCommands(program);
signerCommands(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`osw: ${err.message}\n`);
  process.exit(1);
});
