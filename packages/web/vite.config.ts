// The web console's build: `npm run build -w @osw/web` writes dist/, which the platform serves at `/`.
// `npm run dev -w @osw/web` serves it with hot reload and sends /api to a platform on OSW_API (default :8080).
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  publicDir: false,
  // the workspace packages by their TypeScript sources, not their dist/ (scripts/build.mjs)
  resolve: { conditions: ['osw-source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': process.env.OSW_API ?? 'http://127.0.0.1:8080' } },
});
