/**
 * The import client as one executable file (Node's single executable applications; built by
 * `npm run build:sea`, docs/client.md "Install without cloning"): `osw client …` and `osw message …`
 * as the npm package has them, without the platform, the demo, Node or npm on the machine.
 */
import { Command } from 'commander';
import { clientCommands } from './client-commands.js';
import { messageCommands } from './message-commands.js';
import { oswVersion } from './version.js';

// a closed pipe (`osw … | head`) is not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('osw')
  .description('open-single-window import client (导入客户端), as one executable: the platform and the demo come with the npm package')
  .version(oswVersion())
  .showHelpAfterError();

messageCommands(program);
clientCommands(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`osw: ${err.message}\n`);
  process.exit(1);
});
