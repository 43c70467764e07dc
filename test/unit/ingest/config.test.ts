/** shared/config.ts: the same variables and defaults as before zod, and errors that name the variable. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config';

describe('loadConfig', () => {
  it('applies the documented defaults; empty values count as unset', () => {
    expect(loadConfig({ ATTUNE_TABLE: 't', ATTUNE_RETENTION_DAYS: '' })).toEqual({
      tableName: 't',
      bucketName: '',
      modelPrefix: 'models/',
      retentionDays: 0,
      authMode: 'jwt',
      adminGroup: 'admin',
      modelRefreshSeconds: 30,
      keepVersions: 5,
      trainBudgetSeconds: 600,
      gateTolerance: 0.02,
      leaseSeconds: 1800,
      tune: true,
      ratingRange: { min: 0.5, max: 5 },
      modelKind: 'als',
      trainThreads: 0,
      distributedMinInteractions: 8_000_000,
      servingMaxUsers: 100_000,
      snapshotRebuildEvery: 24,
      snapshotOverlapMinutes: 10,
      tableArn: '',
      exploreShare: 0.1,
    });
  });

  it('reads every variable', () => {
    const c = loadConfig({
      ATTUNE_TABLE: 't',
      ATTUNE_BUCKET: 'b',
      ATTUNE_MODEL_PREFIX: 'm',
      ATTUNE_RETENTION_DAYS: '30',
      ATTUNE_AUTH_MODE: 'none',
      ATTUNE_ADMIN_GROUP: 'ops',
      ATTUNE_MODEL_REFRESH_SECONDS: '0',
      ATTUNE_KEEP_VERSIONS: '2',
      ATTUNE_TRAIN_BUDGET_SECONDS: '20',
      ATTUNE_GATE_TOLERANCE: '0.1',
      ATTUNE_LEASE_SECONDS: '60',
      ATTUNE_TUNE: 'false',
      ATTUNE_RATING_MIN: '1',
      ATTUNE_RATING_MAX: '10',
    });
    expect(c).toMatchObject({
      bucketName: 'b',
      modelPrefix: 'm/',
      retentionDays: 30,
      authMode: 'none',
      adminGroup: 'ops',
    });
    expect(c).toMatchObject({ modelRefreshSeconds: 0, keepVersions: 2, trainBudgetSeconds: 20, gateTolerance: 0.1 });
    expect(c).toMatchObject({ leaseSeconds: 60, tune: false, ratingRange: { min: 1, max: 10 } });
  });

  it.each([
    [{}, 'ATTUNE_TABLE is not set'],
    [{ ATTUNE_TABLE: 't', ATTUNE_KEEP_VERSIONS: '0' }, 'ATTUNE_KEEP_VERSIONS must be a number >= 1, got "0"'],
    [{ ATTUNE_TABLE: 't', ATTUNE_LEASE_SECONDS: 'soon' }, 'ATTUNE_LEASE_SECONDS must be a number >= 1, got "soon"'],
    [
      { ATTUNE_TABLE: 't', ATTUNE_MODEL_REFRESH_SECONDS: 'Infinity' },
      'ATTUNE_MODEL_REFRESH_SECONDS must be a number >= 0',
    ],
    [{ ATTUNE_TABLE: 't', ATTUNE_AUTH_MODE: 'basic' }, 'ATTUNE_AUTH_MODE must be "jwt" or "none", got "basic"'],
    [
      { ATTUNE_TABLE: 't', ATTUNE_RATING_MIN: '5', ATTUNE_RATING_MAX: '1' },
      'ATTUNE_RATING_MAX must be greater than ATTUNE_RATING_MIN',
    ],
  ])('%j → ConfigError naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('names every variable at fault at once', () => {
    expect(() => loadConfig({ ATTUNE_AUTH_MODE: 'x', ATTUNE_GATE_TOLERANCE: '-1' })).toThrow(
      /ATTUNE_TABLE is not set; ATTUNE_AUTH_MODE must be .*; ATTUNE_GATE_TOLERANCE must be a number >= 0/,
    );
  });
});
