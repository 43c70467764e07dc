/**
 * The unit files that share worker processes (test/projects.ts) must not change their process: a file
 * that writes process.env, stubs or spies, starts embedded stores, spawns, measures resident memory or
 * sets process-wide threads would leak into the next file in the same process. Each such file is named in
 * OWN_PROCESS, and every name there still has a reason (the list does not grow stale).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWN_PROCESS, sharedUnitFiles } from '../projects';

const ROOT = resolve(__dirname, '../..');

const SELF = 'test/unit/shared-process.test.ts';

/**
 * What a file does to its process, read from its own text (its helpers act when it calls them: the calls
 * that change the process are named here, e.g. the workflow fixture's residentBuffers and localLargePath).
 */
const REASONS: [string, RegExp][] = [
  ['writes process.env', /process\.env(\.\w+|\[[^\]]+\])?\s*=[^=]|Object\.assign\(process\.env|delete process\.env/],
  ['stubs, mocks or spies', /vi\.(stubEnv|stubGlobal|mock|doMock|spyOn|useFakeTimers)\b/],
  ['starts embedded stores', /\b(useEmbeddedAws|withEmbeddedAws|startEmbeddedAws)\b/],
  ['measures resident memory', /\b(residentBuffers|memoryUsage|setFlagsFromString)\(/],
  ['spawns or changes directory', /node:child_process|process\.chdir/],
  ['sets process-wide state', /\bsetTrainingThreads\(|globalThis\.\w+\s*=[^=]/],
  ['drives infra/local', /from '(\.\.\/)+infra\/local\/|\b(localLargePath|runLarge)\(/],
];

function reasons(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return REASONS.filter(([, re]) => re.test(text)).map(([why]) => `${file}: ${why}`);
}

describe('the unit files that share worker processes', () => {
  it('change nothing in their process (else: add them to OWN_PROCESS in test/projects.ts)', () => {
    const shared = sharedUnitFiles(ROOT);
    expect(shared.length).toBeGreaterThan(50);
    expect(shared.filter((f) => f !== SELF).flatMap(reasons)).toEqual([]);
  });

  it('leave out only files that exist and have a reason', () => {
    for (const f of OWN_PROCESS) {
      expect(existsSync(join(ROOT, f)), f).toBe(true);
      expect(reasons(f), f).not.toEqual([]);
    }
  });
});
