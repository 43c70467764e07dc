import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../infra/constructs/attune-function';
import type { FunctionName } from '../../shared/topology';
import { logicalId, synth } from './synth';

/** Upper bound per bundle: the SDK v3 clients minified are ~0.6 MiB; 5 MiB means something unintended got in. */
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;

describe('bundling with the local esbuild', () => {
  it('produces a minified ESM bundle with source map per function, within the size bound', () => {
    const started = Date.now();
    const { app, stack, template } = synth({}, { bundle: true });
    const dir = app.synth().directory;
    const functions = template.findResources('AWS::Lambda::Function');
    const sizes: Record<string, string> = {};
    for (const [name, fn] of Object.entries(stack.functions) as [FunctionName, (typeof stack.functions)[FunctionName]][]) {
      const key = functions[logicalId(stack, fn.fn)].Properties.Code.S3Key as string;
      const assetDir = join(dir, `asset.${key.replace(/\.zip$/, '')}`);
      const bundle = join(assetDir, 'index.mjs');
      expect(existsSync(bundle), `${name}: ${bundle}`).toBe(true);
      expect(existsSync(`${bundle}.map`), `${name} source map`).toBe(true);
      const code = readFileSync(bundle);
      const text = code.toString('utf8');
      // Banner first, so bundled CommonJS can still require() node built-ins.
      expect(text.startsWith(ESM_REQUIRE_BANNER.slice(0, 30)), `${name} banner`).toBe(true);
      expect(text).toMatch(/export\s*\{[^}]*handler/);
      expect(text).toContain('//# sourceMappingURL=index.mjs.map');
      const bytes = statSync(bundle).size;
      expect(bytes, name).toBeLessThan(MAX_BUNDLE_BYTES);
      sizes[name] = `${(bytes / 1024).toFixed(1)} KiB (${(gzipSync(code).length / 1024).toFixed(1)} KiB gzipped), map ${(
        statSync(`${bundle}.map`).size / 1024
      ).toFixed(1)} KiB`;
    }
    console.log(`bundle sizes (synth with bundling ${((Date.now() - started) / 1000).toFixed(1)} s):`, sizes);
  }, 120_000);
});
