/**
 * The HTTP API (API Gateway v2, payload format 2.0) with its `$default`
 * stage: JSON access logs, default-route throttling, optional CORS.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  type HttpRoute,
  type HttpRouteIntegration,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface AttuneHttpApiProps {
  /** Default-route limits: any route without its own entry. */
  throttleRate: number;
  throttleBurst: number;
  /** Per-route limits by route key (`POST /events`). */
  routeThrottles: Record<string, { rate: number; burst: number }>;
  /** Allowed browser origins; empty: no CORS configuration at all. */
  corsOrigins: string[];
  /** Methods the API serves, for the CORS preflight answer. */
  corsMethods: string[];
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * One JSON object per request. Field names are the ones CloudWatch Logs
 * Insights queries use (`filter status >= 500 | stats pct(latency, 99)`).
 * No caller identity at all: the route key (`GET /users/{userId}/events`),
 * never the path that holds the user id, and no IP or user agent — so
 * erasing a user never has to reach into log groups.
 */
export const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  error: '$context.error.message',
};

/** Route definition in terms the construct understands; no topology types here. */
export interface ApiRouteProps {
  method: string;
  path: string;
  integration: HttpRouteIntegration;
  /** Undefined: the route is public. */
  authorizer?: IHttpRouteAuthorizer;
  authorizationScopes?: string[];
}

export class AttuneHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: AttuneHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'Attune personalization API',
      // The stage is created below: HttpApi's own default stage cannot take
      // access logs or throttling.
      createDefaultStage: false,
      corsPreflight:
        props.corsOrigins.length === 0
          ? undefined
          : {
              allowOrigins: props.corsOrigins,
              allowMethods: props.corsMethods.map((m) => CorsHttpMethod[m as keyof typeof CorsHttpMethod]),
              allowHeaders: ['authorization', 'content-type'],
              // not a CORS-safelisted response header: without this a browser's client never sees the
              // 503/429 Retry-After, and backs off blind
              exposeHeaders: ['retry-after'],
              maxAge: Duration.days(1),
            },
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRate, burstLimit: props.throttleBurst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.routeThrottles = props.routeThrottles;
  }

  private readonly routeThrottles: Record<string, { rate: number; burst: number }>;
  private readonly routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};

  /** Adds one route; a route without an authorizer is explicitly public. */
  addRoute(route: ApiRouteProps): HttpRoute {
    const method = HttpMethod[route.method as keyof typeof HttpMethod];
    if (!method) throw new Error(`unsupported HTTP method ${route.method}`);
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [method],
      integration: route.integration,
      authorizer: route.authorizer ?? new HttpNoneAuthorizer(),
      authorizationScopes: route.authorizationScopes?.length ? route.authorizationScopes : undefined,
    });
    const key = `${route.method} ${route.path}`;
    const limits = this.routeThrottles[key];
    if (limits) {
      // HttpStage has no per-route settings; the L1 property takes them. The
      // stage must be updated after the route exists, or the deploy fails.
      this.routeSettings[key] = { ThrottlingRateLimit: limits.rate, ThrottlingBurstLimit: limits.burst };
      (this.stage.node.defaultChild as CfnStage).routeSettings = this.routeSettings;
      this.stage.node.addDependency(created);
    }
    return created;
  }

  /** The invoke URL of the `$default` stage. */
  get url(): string {
    return this.stage.url;
  }
}
