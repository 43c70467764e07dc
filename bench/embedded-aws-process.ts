/**
 * Embedded AWS (s3rver, dynalite) in a process of its own, for benchmarks: in
 * production S3 does not run on the function's CPU, so a cold-start figure
 * without the server's share of the work is the one closer to Lambda.
 *
 * Prints one line, the {@link EmbeddedAws} env as JSON, then serves until
 * stdin closes (the parent exiting or calling `stop`).
 */
import { startEmbeddedAws } from '../infra/local/embedded';

const aws = await startEmbeddedAws();
process.stdout.write(JSON.stringify({ env: aws.env, bucketName: aws.bucketName }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => void aws.stop().finally(() => process.exit(0)));
