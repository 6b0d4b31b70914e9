/** The embedded database holds every verifier and message: its files are for their owner only. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import { openSqliteStore } from '../src/adapters/sqlite/open.js';

describe('the SQLite store file', () => {
  it('is created 0600, and so are its -wal and -shm files', async () => {
    const t = tempDir('osw-sqlite-mode-');
    try {
      const file = path.join(t.dir, 'platform.db');
      const opened = await openSqliteStore(file); // migrations write: the WAL and its index exist now
      try {
        for (const f of [file, `${file}-wal`, `${file}-shm`]) {
          expect(existsSync(f), f).toBe(true);
          expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
        }
      } finally {
        await opened.close();
      }
    } finally {
      t.cleanup();
    }
  });
});
