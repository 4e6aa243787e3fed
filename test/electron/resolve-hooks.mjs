// Module hooks for tests in plain Node: `electron` resolves to the clearly named stand-in
// (no Electron binary runs here). Registered by the tests that load main/. The stand-in
// is TypeScript: resolving goes on down the chain so tsx loads it.
export async function resolve(specifier, context, next) {
  if (specifier === 'electron')
    return next(new URL('./electron-stand-in.ts', import.meta.url).href, context);
  return next(specifier, context);
}
