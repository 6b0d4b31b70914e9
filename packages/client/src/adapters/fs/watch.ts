/** OutBox change events from chokidar; the runner's periodic rescan catches whatever this misses. */
import chokidar from 'chokidar';
import type { OutBoxWatch } from '../../core/business-runner.js';

export function chokidarOutBoxWatch(outBox: string): OutBoxWatch {
  return async (onChange) => {
    const watcher = chokidar.watch(outBox, { depth: 0, ignoreInitial: true, persistent: true });
    watcher.on('add', onChange).on('change', onChange).on('error', () => undefined);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return () => watcher.close();
  };
}
