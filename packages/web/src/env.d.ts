// Vite bundles CSS imported from the entry.
declare module '*.css';
