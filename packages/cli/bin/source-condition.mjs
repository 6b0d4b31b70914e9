// A resolve hook for a checkout of the repository (bin/osw.cjs, bench/run.cjs register it): every
// import also matches the `osw-source` export condition, so `@osw/messages` and the other workspace
// packages resolve to their TypeScript sources instead of the dist/ their packages are installed with.
// The same condition is set for tsc (tsconfig.json customConditions), vitest and vite.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...(context.conditions ?? []), 'osw-source'] });
}
