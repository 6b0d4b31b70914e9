// typescript-eslint parses with the `typescript` package's JavaScript API (ts.createSourceFile…).
// The project compiles with TypeScript 7, whose package has no such API, so typescript-eslint and a
// TypeScript 6 live in this workspace, where npm installs them side by side with the root's
// TypeScript 7; eslint.config.js imports typescript-eslint from here.
export { default } from 'typescript-eslint';
