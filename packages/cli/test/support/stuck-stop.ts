/**
 * A process whose graceful stop never ends, for shutdown.test.ts: the first signal starts the
 * stop, only a second one can end the process.
 */
import { stopOnSignals } from '../../src/shutdown.js';

stopOnSignals({
  stopping: 'stopping gracefully (this stop never ends)',
  forced: 'nothing was finished',
  stop: () => new Promise<void>(() => {}),
});
setInterval(() => {}, 60_000); // stay alive like a server
process.stdout.write('ready\n');
