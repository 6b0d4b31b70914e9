import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The built console (`npm run build -w @osw/web`). */
export const distRoot = path.join(here, '..', 'dist');

/** A one-page stand-in saying how to build the console, served while dist/ does not exist. */
export const fallbackRoot = path.join(here, '..', 'fallback');

/** Folder holding the web console's static files, served by the platform at `/`. */
export const webRoot = existsSync(path.join(distRoot, 'index.html')) ? distRoot : fallbackRoot;
