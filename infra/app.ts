/**
 * CDK entry point (`cdk.json`: `npx tsx infra/app.ts`). Deploys one Attune
 * stack configured from the `attune:*` context; cdk-nag runs on every synth.
 * The stack is environment-agnostic on purpose, even when the CLI knows an
 * account and region (CDK_DEFAULT_*): nothing in it needs a lookup, so the
 * same template deploys to whichever account and region the credentials name.
 */
import { App } from 'aws-cdk-lib';
import { addAttune } from './stacks/attune-stack';

const app = new App();
addAttune(app);
app.synth();
