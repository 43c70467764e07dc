/**
 * `npm start`'s flags (infra/local/start-args.ts; session 21 review): each typo is one
 * line naming it. Before, "--auth JWT" served without auth, "--train-every 5m" (NaN)
 * never retrained while printing "Training every NaN min", "--dataset foo" seeded the
 * demo, and a bad flag or port printed a stack.
 */
import { describe, expect, it } from 'vitest';
import { startArgs } from '../../infra/local/start-args';

describe('npm start flags', () => {
  it('refuses each bad value in one line', () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--bogus'], {}, /^Unknown option '--bogus'.*\(npm start -- --help lists the options\)$/],
      [['--port', 'abc'], {}, /^--port \(or PORT\) must be 0\.\.65535, got "abc"$/],
      [['--port', '99999'], {}, /got "99999"/],
      [[], { PORT: '3000x' }, /got "3000x"/],
      [['--auth', 'JWT'], {}, /^--auth must be none or jwt, got "JWT"$/],
      [
        ['--train-every', '5m'],
        {},
        /^--train-every \(or ATTUNE_TRAIN_EVERY_MINUTES\) must be minutes, 0 or more, got "5m"$/,
      ],
      [[], { ATTUNE_TRAIN_EVERY_MINUTES: '-1' }, /got "-1"/],
      [['--dataset', 'foo'], {}, /^--dataset must be demo or movielens, got "foo"$/],
      [['--dataset', 'movielens'], {}, /needs --path DIR/],
      [['--dataset', 'movielens', '--path', '/nonexistent'], {}, /^--path \/nonexistent: no u\.data there/],
    ];
    for (const [argv, env, message] of cases) expect(() => startArgs(argv, env), argv.join(' ')).toThrow(message);
  });

  it('takes good values from flags, then the environment, then the defaults', () => {
    expect(startArgs([], {})).toMatchObject({ port: 3000, trainEvery: 5, authMode: 'none', dataset: 'demo' });
    expect(startArgs(['--port', '0', '--auth', 'jwt', '--train-every', '0.5'], { PORT: '4000' })).toMatchObject({
      port: 0,
      authMode: 'jwt',
      trainEvery: 0.5,
    });
    expect(startArgs([], { PORT: '4000', ATTUNE_TRAIN_EVERY_MINUTES: '0', ATTUNE_HOME: '/tmp/x' })).toMatchObject({
      port: 4000,
      trainEvery: 0,
      home: '/tmp/x',
    });
  });
});
