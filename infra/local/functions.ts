/** Loads a topology function's handler module in this process (what sam local invoke does in a container). */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FUNCTIONS, type FunctionName } from '../../shared/topology';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const cache = new Map<FunctionName, Promise<Handler>>();

/**
 * The handler of `fn`, imported once (module scope survives across
 * invocations, like a warm Lambda). The environment must be in place first:
 * handlers read their configuration at import, as they do at a cold start.
 */
export function loadFunction(fn: FunctionName): Promise<Handler> {
  let p = cache.get(fn);
  if (!p) {
    const url = pathToFileURL(resolve(REPO_ROOT, FUNCTIONS[fn].entry)).href;
    p = import(url).then((m) => {
      if (typeof m.handler !== 'function') throw new Error(`${FUNCTIONS[fn].entry} does not export a handler`);
      return m.handler as Handler;
    });
    cache.set(fn, p);
  }
  return p;
}
