/**
 * Embedded AWS (s3rver, dynalite) in a process of its own. For benchmarks: in production S3 does
 * not run on the function's CPU, so a cold-start figure without the server's share of the work is
 * the one closer to Lambda. For fault tests (test/robustness/store.process.test.ts): a store that
 * can be killed, frozen (SIGSTOP) and restarted on the same ports and data.
 *
 * Optional argument: the {@link EmbeddedOptions} as JSON (home folder, fixed ports). Run it as
 * `node --import tsx bench/embedded-aws-process.ts` so the signals reach the server itself.
 * Prints one line, the {@link EmbeddedAws} env as JSON, then serves until stdin closes (the
 * parent exiting or calling `stop`).
 */
import { type EmbeddedOptions, startEmbeddedAws } from '../infra/local/embedded';

const opts: EmbeddedOptions = process.argv[2] ? JSON.parse(process.argv[2]) : {};
const aws = await startEmbeddedAws(opts);
process.stdout.write(`${JSON.stringify({ env: aws.env, bucketName: aws.bucketName })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void aws.stop().finally(() => process.exit(0)));
