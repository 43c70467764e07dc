/**
 * CDK entry point (`cdk.json`: `npx tsx infra/app.ts`). Deploys one Attune
 * stack configured from the `attune:*` context; cdk-nag runs on every synth.
 * Without credentials the stack is environment-agnostic, so synth works offline.
 */
import { App } from 'aws-cdk-lib';
import { addAttune } from './stacks/attune-stack';

const app = new App();
addAttune(app, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
