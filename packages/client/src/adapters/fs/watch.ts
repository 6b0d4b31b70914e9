/**
 * OutBox change events, with the name the system gives (the runner keeps the names waiting in
 * memory and looks at each named file; an event without a name lists OutBox again). The runner's
 * periodic listing catches whatever this misses (network shares deliver no events at all), so one
 * directory watch is all it takes.
 *
 * Node's own `fs.watch` on the folder, not chokidar: chokidar keeps state for every file in the
 * folder (about 4 KB each: 190 MiB for 50,000 waiting files, measured), and an OutBox may hold
 * 100,000 files after an outage. `fs.watch` of one folder costs the same whatever it holds, on
 * Linux (inotify), Windows (ReadDirectoryChangesW) and macOS (FSEvents) alike.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { OutBoxWatch } from '../../core/business-runner.js';

export function outBoxWatch(outBox: string): OutBoxWatch {
  return async (onChange) => {
    let watcher: FSWatcher | null = null;
    try {
      watcher = watch(outBox, { persistent: true }, (_event, name) => onChange(typeof name === 'string' && name ? name : undefined));
      // a folder that goes away or a watch the system refuses: the rescan goes on without it
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = null;
    }
    return async () => watcher?.close();
  };
}
