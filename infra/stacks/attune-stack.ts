/**
 * The Attune stack: wires the constructs together from shared/topology.ts and
 * the shared table schema. Functions, entries, routes, their auth levels,
 * environment defaults, access needs and the schedule all come from there;
 * this file adds only deploy-time choices (context settings) and AWS wiring.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type App, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config';
// The handlers accept this scope as admin too (shared/http); one definition for gateway and handler.
import { ADMIN_SCOPE } from '../../shared/http/auth';
import { TABLE_SCHEMA } from '../../shared/storage/schema';
import {
  API_METRICS,
  FUNCTIONS,
  METRICS_NAMESPACE,
  MODEL_PREFIX,
  RESOURCES,
  ROUTES,
  SERVICE_NAME,
  TRAIN_METRICS,
  TRAINING_WORKFLOW,
  WORKFLOW_PREFIX,
  environmentFor,
  type FunctionName,
  type RouteDef,
} from '../../shared/topology';
import { AttuneAlarms, type AppMetric } from '../constructs/alarms';
import { AttuneDashboard } from '../constructs/dashboard';
import { ApiAuth } from '../constructs/api-auth';
import { AttuneFunction } from '../constructs/attune-function';
import { AttuneHttpApi } from '../constructs/http-api';
import { InteractionsTable } from '../constructs/interactions-table';
import { ModelBucket } from '../constructs/model-bucket';
import { TrainSchedule } from '../constructs/train-schedule';
import { grantTrainingData } from '../constructs/training-data';
import { TrainWorkflow } from '../constructs/train-workflow';
import { readSettings, type AttuneSettings } from './settings';

/** Repository root: entries in the topology are relative to it. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The scheduled function. */
export const SCHEDULED_FUNCTION: FunctionName = 'Train';
/** Topology environment variables whose value a context setting overrides. */
function contextEnvironment(s: AttuneSettings): Record<string, string> {
  return { [ENV.retentionDays]: String(s.retentionDays), [ENV.trainBudgetSeconds]: String(s.trainBudgetSeconds) };
}

/** Functions the API serves: deployed by CodeDeploy traffic shifting. Train switches at once. */
export const CANARY_FUNCTIONS: FunctionName[] = ['Ingest', 'Recommend'];

export interface AttuneStackProps extends StackProps {
  settings: AttuneSettings;
  /** Defaults to the repository this file lives in. */
  projectRoot?: string;
}

export class AttuneStack extends Stack {
  readonly settings: AttuneSettings;
  readonly functions: Record<FunctionName, AttuneFunction>;
  readonly table: InteractionsTable;
  readonly models: ModelBucket;
  readonly httpApi: AttuneHttpApi;
  readonly auth?: ApiAuth;
  readonly schedule: TrainSchedule;
  readonly workflow: TrainWorkflow;
  readonly alarms: AttuneAlarms;
  readonly dashboard: AttuneDashboard;
  readonly deploymentGroups: Partial<Record<FunctionName, LambdaDeploymentGroup>> = {};

  constructor(scope: Construct, id: string, props: AttuneStackProps) {
    super(scope, id, { description: 'Attune: serverless personalization engine', ...props });
    const s = (this.settings = props.settings);
    const root = props.projectRoot ?? PROJECT_ROOT;
    const removalPolicy = s.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = s.logRetentionDays as RetentionDays;

    this.table = new InteractionsTable(this, RESOURCES.table, {
      schema: TABLE_SCHEMA,
      removalPolicy,
    });
    this.models = new ModelBucket(this, RESOURCES.bucket, {
      modelPrefix: MODEL_PREFIX,
      removalPolicy,
      noncurrentVersionDays: s.noncurrentVersionDays,
      modelExpirationDays: s.modelExpirationDays,
    });

    if (!s.unauthenticated) {
      this.auth = new ApiAuth(
        this,
        'Auth',
        s.jwtIssuer
          ? { kind: 'oidc', issuer: s.jwtIssuer, audience: s.jwtAudience, adminScope: ADMIN_SCOPE }
          : {
              kind: 'cognito',
              adminScope: ADMIN_SCOPE,
              selfSignUp: s.selfSignUp,
              removalPolicy,
              ses: s.sesFromEmail ? { fromEmail: s.sesFromEmail, region: s.sesRegion } : undefined,
              domainPrefix: s.cognitoDomainPrefix || `attune-${s.stage.toLowerCase()}-${Aws.ACCOUNT_ID}`,
            },
      );
    }

    // --- functions, from the topology -------------------------------------
    const overrides = contextEnvironment(s);
    const functions = {} as Record<FunctionName, AttuneFunction>;
    for (const def of Object.values(FUNCTIONS)) {
      const scheduled = def.name === SCHEDULED_FUNCTION;
      // The same call builds the local runner's environment: no variable exists in one only.
      const environment = environmentFor(def.name, {
        tableName: this.table.table.tableName,
        bucketName: this.models.bucket.bucketName,
        authMode: s.unauthenticated ? 'none' : 'jwt',
        adminGroup: s.adminGroup,
      });
      // Context overrides only variables the function already has.
      for (const name of Object.keys(environment)) {
        if (overrides[name] !== undefined) environment[name] = overrides[name];
      }
      // Read by Powertools Logger in every function.
      environment.POWERTOOLS_LOG_LEVEL = s.logLevel;
      environment.POWERTOOLS_LOGGER_SAMPLE_RATE = String(s.logSampleRate);
      const fn = new AttuneFunction(this, def.name, {
        entry: join(root, def.entry),
        projectRoot: root,
        depsLockFilePath: join(root, 'package-lock.json'),
        description: def.description,
        memorySize: scheduled ? s.trainMemoryMb : def.memoryMb,
        timeout: scheduled ? Duration.minutes(s.trainTimeoutMinutes) : Duration.seconds(def.timeoutSeconds),
        environment,
        logRetention,
        logRemovalPolicy: removalPolicy,
        // One training run at a time: the lease guards correctness, this guards cost.
        reservedConcurrentExecutions: scheduled ? 1 : undefined,
        provisionedConcurrency: def.name === 'Recommend' ? s.recommendProvisionedConcurrency : 0,
      });
      fn.bindTable(this.table.table, def.access.table, def.access.indexes, def.access.tableWriteLeadingKeys);
      fn.bindModelBucket(this.models.bucket, def.access.bucketPrefix ?? MODEL_PREFIX, def.access.bucket);
      functions[def.name] = fn;
    }
    this.functions = functions;
    // Full rebuilds read a DynamoDB export; every run keeps a training snapshot beside the models (docs/training.md).
    grantTrainingData(functions.Train, this.table.table, this.models.bucket, MODEL_PREFIX);
    // The state machine's prepare step reads the same way (shared/training/distributed/prepare.ts).
    grantTrainingData(functions.TrainControl, this.table.table, this.models.bucket, MODEL_PREFIX);

    // --- HTTP API, every route of the topology -----------------------------
    this.httpApi = new AttuneHttpApi(this, 'Http', {
      throttleRate: s.throttleRate,
      throttleBurst: s.throttleBurst,
      routeThrottles: s.routeThrottles,
      corsOrigins: s.corsOrigins,
      corsMethods: [...new Set(ROUTES.map((r) => r.method))],
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationFor = (name: FunctionName): HttpLambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        // The alias, so CodeDeploy's traffic shift applies to API calls.
        integration = new HttpLambdaIntegration(`${name}Integration`, functions[name].alias, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(name, integration);
      }
      return integration;
    };
    for (const route of ROUTES) {
      const guard = this.routeGuard(route);
      const created = this.httpApi.addRoute({
        method: route.method,
        path: route.path,
        integration: integrationFor(route.function),
        ...guard,
      });
      if (!guard.authorizer) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: s.unauthenticated
            ? 'Dev stage deployed with attune:unauthenticated=true (explicit opt-in, off by default): ' +
              `${route.method} ${route.path} has no authorizer and the handlers run with ATTUNE_AUTH_MODE=none.`
            : `${route.method} ${route.path} is public by design (topology auth "public"): ` +
              'it reports service and model status only, no user data.',
        });
      }
    }

    // --- training schedule --------------------------------------------------
    const train = functions[SCHEDULED_FUNCTION];
    // The schedule starts the training state machine; Train is its small-data path (shared/workflow).
    const roles = TRAINING_WORKFLOW.functions;
    this.workflow = new TrainWorkflow(this, 'TrainWorkflow', {
      functions: {
        single: functions[roles.single].alias,
        control: functions[roles.control].alias,
        shard: functions[roles.shard].alias,
      },
      controlRole: functions[roles.control].role,
      bucket: this.models.bucket,
      scratchPrefix: WORKFLOW_PREFIX,
      scratchExpirationDays: 7,
      options: { maxConcurrency: TRAINING_WORKFLOW.maxConcurrency, shardRetries: TRAINING_WORKFLOW.shardRetries },
      timeout: Duration.hours(TRAINING_WORKFLOW.timeoutHours),
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    this.schedule = new TrainSchedule(this, 'TrainSchedule', {
      expression: s.trainSchedule,
      target: this.workflow.stateMachine,
      periodSeconds: s.trainPeriodSeconds,
      retryAttempts: 4,
    });
    // A failed run is not retried by Lambda: the next scheduled run is the
    // retry (a crash loop would otherwise cost 3 full runs per period). An
    // event still queued behind a running job after one period is obsolete.
    train.alias.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.seconds(Math.min(Math.max(s.trainPeriodSeconds, 60), 6 * 3600)),
      onFailure: new SqsDestination(this.schedule.deadLetterQueue),
    });

    // --- alarms, dashboard, safe rollout ------------------------------------
    const app = (name: string): AppMetric => ({
      namespace: METRICS_NAMESPACE,
      name,
      dimensions: { service: SERVICE_NAME },
    });
    this.alarms = new AttuneAlarms(this, 'Alarms', {
      functions: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.fn])),
      train: { fn: train.fn, timeoutSeconds: s.trainTimeoutMinutes * 60 },
      api: this.httpApi.api,
      table: this.table.table,
      error5xxPercent: s.error5xxPercent,
      latencyP99Ms: s.latencyP99Ms,
      trainingFailures: app(TRAIN_METRICS.failures),
      trainingSucceeded: app(TRAIN_METRICS.succeeded),
      refusedVersions: app(API_METRICS.refusedVersions),
      misconfigurations: app(API_METRICS.misconfigurations),
      trainPeriodSeconds: s.trainPeriodSeconds,
      stalenessPeriods: s.stalenessPeriods,
      deadLetterQueue: this.schedule.deadLetterQueue,
      alarmEmail: s.alarmEmail,
    });
    this.alarms.alarms.push(...this.workflow.addAlarms(this.alarms.topic));
    this.dashboard = new AttuneDashboard(this, 'Dashboard', {
      api: this.httpApi.api,
      functions: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.fn])),
      table: this.table.table,
      namespace: METRICS_NAMESPACE,
      dimensions: { service: SERVICE_NAME },
      metrics: {
        trainingRuns: TRAIN_METRICS.runs,
        trainingPublished: TRAIN_METRICS.published,
        trainingSucceeded: TRAIN_METRICS.succeeded,
        trainingFailures: TRAIN_METRICS.failures,
        trainingSeconds: TRAIN_METRICS.seconds,
        modelAge: TRAIN_METRICS.modelAge,
        ndcg10: TRAIN_METRICS.ndcg10,
        answers: API_METRICS.answers,
        coreLatency: API_METRICS.coreLatency,
        eventsAccepted: API_METRICS.eventsAccepted,
        eventsRejected: API_METRICS.eventsRejected,
        eventsFailed: API_METRICS.eventsFailed,
        coldStarts: API_METRICS.coldStarts,
        refusedVersions: API_METRICS.refusedVersions,
      },
      alarms: this.alarms.alarms,
    });
    // A new version of an API function takes 10% of traffic for 5 minutes,
    // then all of it; the API's 5xx or latency alarm, or the function's own
    // errors alarm, rolls the alias back to the previous version.
    for (const name of CANARY_FUNCTIONS) {
      this.deploymentGroups[name] = new LambdaDeploymentGroup(this, `${name}Deployment`, {
        alias: functions[name].alias,
        deploymentConfig: LambdaDeploymentConfig[deploymentConfigKey(s.deploymentConfig)],
        alarms: [this.alarms.api5xx, this.alarms.apiLatency, this.alarms.functionErrors[name]],
        autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
      });
      Validations.of(this.deploymentGroups[name]!.role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::${CODEDEPLOY_LAMBDA_POLICY}]`,
        reason:
          'The AWS-maintained minimal service role for CodeDeploy on Lambda (the Limited variant): read and update ' +
          'the alias it shifts, read the alarms it watches; AWS keeps it in step with what CodeDeploy calls.',
      });
    }

    // --- outputs ----------------------------------------------------------------
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'Interactions table' });
    new CfnOutput(this, 'BucketName', { value: this.models.bucket.bucketName, description: 'Model bucket' });
    new CfnOutput(this, 'TrainFunctionName', {
      value: train.fn.functionName,
      description: 'Invoke to train now (alias live)',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.schedule.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AuthMode', { value: s.unauthenticated ? 'none' : 'jwt' });
    if (this.auth) new CfnOutput(this, 'JwtIssuer', { value: this.auth.issuer });
    if (this.auth?.userPool && this.auth.userPoolClient && this.auth.adminClient) {
      new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: this.auth.userPoolClient.userPoolClientId });
      new CfnOutput(this, 'AdminClientId', {
        value: this.auth.adminClient.userPoolClientId,
        description: 'Client-credentials client for admin jobs (its secret: aws cognito-idp describe-user-pool-client)',
      });
      new CfnOutput(this, 'TokenEndpoint', { value: this.auth.tokenEndpoint!, description: 'OAuth2 token endpoint' });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'Every alarm notifies it' });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });
  }

  /** Authorizer and scopes of a route, from its topology auth level. */
  private routeGuard(route: RouteDef): { authorizer?: ApiAuth['authorizer']; authorizationScopes?: string[] } {
    if (!this.auth || route.auth === 'public') return {};
    switch (route.auth) {
      case 'authenticated':
      case 'subject':
        // The gateway proves the token; the handler checks subject == {userId}.
        return { authorizer: this.auth.authorizer };
      case 'admin':
        return { authorizer: this.auth.authorizer, authorizationScopes: this.auth.adminScopes };
    }
  }
}

/** The managed policy CDK gives a CodeDeploy service role for Lambda, as cdk-nag names it. */
const CODEDEPLOY_LAMBDA_POLICY = 'arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited';

/** `Canary10Percent5Minutes` → the LambdaDeploymentConfig member of that name. */
function deploymentConfigKey(name: AttuneSettings['deploymentConfig']) {
  const keys = {
    Canary10Percent5Minutes: 'CANARY_10PERCENT_5MINUTES',
    Linear10PercentEvery1Minute: 'LINEAR_10PERCENT_EVERY_1MINUTE',
    AllAtOnce: 'ALL_AT_ONCE',
  } as const;
  return keys[name];
}

/**
 * Adds the Attune stack (named `Attune-<stage>`) to an app, configured from
 * the app's context, and registers cdk-nag's AwsSolutions checks, so every
 * synth fails on an unaddressed finding.
 */
export function addAttune(app: App, props: Omit<AttuneStackProps, 'settings'> = {}): AttuneStack {
  const settings = readSettings(app);
  const stack = new AttuneStack(app, `Attune-${settings.stage}`, { settings, ...props });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
