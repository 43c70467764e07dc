import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnResource, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { addAttune } from '../../infra/stacks/attune-stack';
import { synth } from './synth';

const CODEDEPLOY = 'arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited';

const CONFIGS: Record<string, Record<string, unknown>> = {
  default: {},
  oidc: { 'attune:jwtIssuer': 'https://login.example.com/', 'attune:jwtAudience': 'attune-app' },
  'dev, unauthenticated, alarm e-mail, CORS': {
    'attune:stage': 'dev',
    'attune:unauthenticated': true,
    'attune:retainData': false,
    'attune:alarmEmail': 'ops@example.com',
    'attune:corsOrigins': ['http://localhost:5173'],
    'attune:modelExpirationDays': 0,
  },
};

/**
 * The synth helper leaves CDK's built-in CloudFormation validation off (it only warns, and costs CPU on
 * every synth); the nag apps run it as `cdk synth` does, and this reads what it found.
 */
const NAG = { nag: true, validate: true };

/** The built-in validation's findings in the app's last synth: rule and construct paths. */
function cfnValidateFindings(app: App, force = false): string[] {
  const report = JSON.parse(readFileSync(join(app.synth({ force }).directory, 'validation-report.json'), 'utf8'));
  return (report.pluginReports as { pluginName: string; violations: Record<string, any>[] }[])
    .filter((r) => r.pluginName === 'CloudFormation Validate')
    .flatMap((r) =>
      r.violations.map((v) => `${v.ruleName}: ${v.violatingConstructs.map((c: any) => c.constructPath)}`),
    );
}

/** Every acknowledgement in the app: construct path, rule id, reason. */
function acknowledgements(app: App): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const c of app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
        out.push({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions', () => {
  for (const [name, context] of Object.entries(CONFIGS)) {
    it(`has zero unacknowledged errors or warnings (${name})`, () => {
      const { app } = synth(context, NAG);
      expect(cfnValidateFindings(app)).toEqual([]);
      const report = new AwsSolutionsChecks(app).validateScope(app);
      const findings = report.violations.map(
        (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      );
      expect(findings).toEqual([]);
      expect(report.success).toBe(true);
      // The first validation in a process loads most of aws-cdk-lib (~10 s CPU; 40 s+ on a loaded 2-core box).
    }, 180_000);
  }

  it('does catch a finding (the checks are live, not vacuous)', () => {
    const { app, stack } = synth({ 'attune:stage': 'negative' }, NAG);
    new Bucket(stack, 'UnloggedBucket');
    const rules = new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });

  it('CloudFormation validation catches a finding too (an empty report is not a skipped check)', () => {
    const { app, stack } = synth({ 'attune:stage': 'negative-cfn' }, { validate: true });
    new CfnResource(stack, 'Misspelled', { type: 'AWS::S3::Bucket', properties: { BucketNam: 'x' } });
    expect(cfnValidateFindings(app, true)).toEqual([expect.stringMatching(/^F3002: Attune\/Misspelled$/)]);
  });

  it('is registered on the app by addAttune, so synth itself fails on a finding', () => {
    // synth() above already synthesized clean apps with the plugin (Template.fromStack would have thrown).
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = addAttune(app);
    new Bucket(stack, 'UnloggedBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('acknowledges narrowly, each with a real reason', () => {
    const { app } = synth({}, NAG);
    const acks = acknowledgements(app);
    for (const a of acks) {
      expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(60);
      // Never a whole rule on the stack or app, never a blanket IAM5.
      expect(a.path.split('/').length, `${a.id} at ${a.path}`).toBeGreaterThan(1);
      if (a.id.startsWith('AwsSolutions-IAM5')) expect(a.id).toMatch(/^AwsSolutions-IAM5\[.+\]$/);
    }
    const summary = [...new Set(acks.map((a) => `${a.id} @ ${a.path.replace(/^[^/]+\//, '')}`))].sort();
    expect(summary).toEqual([
      'AwsSolutions-APIG4 @ Http/Api/GET--health',
      'AwsSolutions-COG2 @ Auth/UserPool',
      'AwsSolutions-COG8 @ Auth/UserPool',
      `AwsSolutions-IAM4[Policy::${CODEDEPLOY}] @ IngestDeployment/ServiceRole`,
      `AwsSolutions-IAM4[Policy::${CODEDEPLOY}] @ RecommendDeployment/ServiceRole`,
      'AwsSolutions-IAM5[Resource::*] @ Ingest/Role',
      'AwsSolutions-IAM5[Resource::*] @ Recommend/Role',
      'AwsSolutions-IAM5[Resource::*] @ Train/Role',
      'AwsSolutions-IAM5[Resource::*] @ TrainControl/Role',
      'AwsSolutions-IAM5[Resource::*] @ TrainShard/Role',
      'AwsSolutions-IAM5[Resource::*] @ TrainWorkflow/StateMachine/Role',
      'AwsSolutions-IAM5[Resource::<InteractionsTable4AB2A336.Arn>/export/*] @ Train/Access',
      'AwsSolutions-IAM5[Resource::<InteractionsTable4AB2A336.Arn>/export/*] @ TrainControl/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/exports/*] @ Train/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/exports/*] @ TrainControl/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/models/*] @ Ingest/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/models/*] @ Recommend/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/models/*] @ Train/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/models/*] @ TrainControl/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/training/*] @ Train/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/training/*] @ TrainControl/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/workflow/*] @ TrainShard/Access',
      'AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/workflow/*] @ TrainWorkflow/ControlScratchAccess',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:Attune-prod-Training/*] @ TrainWorkflow/StateMachine/Role',
      'AwsSolutions-SQS3 @ TrainSchedule/DeadLetterQueue',
    ]);
  });

  it('keeps the X-Ray wildcard acknowledgement honest: the role default policies hold nothing else with "*"', () => {
    const { stack, template } = synth({}, NAG);
    for (const fn of Object.values(stack.functions)) {
      const policy =
        template.findResources('AWS::IAM::Policy')[
          stack.getLogicalId(fn.role.node.findChild('DefaultPolicy').node.defaultChild as never)
        ];
      for (const st of policy.Properties.PolicyDocument.Statement) {
        if (JSON.stringify(st.Resource).includes('*')) {
          expect(st.Action).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
        }
      }
    }
  });
});
