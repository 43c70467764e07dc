/**
 * The client runs in browsers and React Native: bundled for the browser it
 * pulls in no Node built-in and touches no Node global. Its types are what
 * openapi-typescript generates from docs/openapi.json today.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const CLIENT = 'clients/typescript';

async function bundle(format: 'esm' | 'iife') {
  const out = await build({
    entryPoints: [`${CLIENT}/src/index.ts`],
    bundle: true,
    platform: 'browser',
    format,
    globalName: 'Attune',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(out.metafile.inputs);
  expect(inputs.some((p) => p.includes('openapi-fetch'))).toBe(true);
  expect(inputs.some((p) => p.includes('uuid'))).toBe(true);
  expect(inputs.filter((p) => p.startsWith('node:') || /(^|\/)(fs|path|crypto|http|buffer)$/.test(p))).toEqual([]);
  return { text: out.outputFiles[0].text };
}

describe('@attune/client bundle', () => {
  it('bundles for the browser with no Node built-in, Buffer or require', async () => {
    const text = (await bundle('esm')).text;
    expect(text).not.toMatch(/\bnode:|\brequire\(|\bBuffer\b|__dirname/);
    // the only mention of process is openapi-fetch's guarded feature test (typeof process == "object" && …)
    const guarded = /typeof process=="object"&&[^;]*?process\.versions\.undici/g;
    expect(text.match(guarded)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(text.replace(guarded, '')).not.toMatch(/\bprocess\b/);
    // a size an app can afford (minified, before gzip)
    expect(text.length).toBeLessThan(40_000);
  });

  it('works in a context with only browser globals (no process, Buffer, require)', async () => {
    const { text } = await bundle('iife');
    const sent: any[] = [];
    const fakeFetch = async (req: Request) => {
      sent.push({ url: req.url, auth: req.headers.get('authorization'), body: await req.json() });
      return new Response(JSON.stringify({ accepted: 1, rejected: [] }), {
        status: 202,
        headers: { 'content-type': 'application/json' },
      });
    };
    const globals = {
      fetch: fakeFetch,
      Request,
      Response,
      Headers,
      URL,
      URLSearchParams,
      FormData,
      crypto,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      console,
    };
    const ctx: Record<string, unknown> = { ...globals };
    ctx.globalThis = ctx;
    runInNewContext(text, ctx);
    const lib = ctx.Attune as typeof import('../../clients/typescript/src/index');
    expect('process' in ctx || 'Buffer' in ctx || 'require' in ctx).toBe(false);
    const client = lib.createAttuneClient({
      baseUrl: 'https://api.example',
      token: () => 't',
      queue: { flushIntervalMs: 0 },
    });
    const id = client.track({ userId: 'u', itemId: 'i', type: 'view' });
    await client.events.flush();
    await client.close();
    expect(sent).toEqual([
      {
        url: 'https://api.example/events',
        auth: 'Bearer t',
        body: { events: [expect.objectContaining({ eventId: id })] },
      },
    ]);
  });

  it('src/schema.d.ts is what openapi-typescript generates from docs/openapi.json (npm run generate -w clients/typescript)', () => {
    const tmp = join(mkdtempSync(join(resolve('.tmp'), 'client-gen-')), 'schema.d.ts');
    execFileSync(resolve(CLIENT, 'node_modules/.bin/openapi-typescript'), [resolve('docs/openapi.json'), '-o', tmp], {
      stdio: 'pipe',
    });
    expect(readFileSync(tmp, 'utf8')).toBe(readFileSync(`${CLIENT}/src/schema.d.ts`, 'utf8'));
  }, 60_000);
});
