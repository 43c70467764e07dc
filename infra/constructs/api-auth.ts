/**
 * Who signs the tokens the HTTP API accepts: a Cognito user pool the stack
 * creates, or an existing OIDC issuer.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  UserPool,
  UserPoolClient,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export type ApiAuthProps =
  | {
      kind: 'cognito';
      /** Group whose members are admins (checked by the handlers from `cognito:groups`). */
      adminGroup: string;
      selfSignUp: boolean;
      removalPolicy: RemovalPolicy;
    }
  | {
      kind: 'oidc';
      issuer: string;
      audience: string[];
      /** Scope API Gateway requires on admin routes. */
      adminScope: string;
    };

/**
 * The JWT authorizer for the HTTP API and how admin routes are guarded.
 * - cognito: a user pool (e-mail sign-in, strong passwords, optional TOTP MFA),
 *   a public app client for mobile apps (SRP, no secret), and an admin group.
 *   Cognito cannot put a per-user custom scope in a token without OAuth flows,
 *   so admin routes carry no scope: the handlers check `cognito:groups`.
 * - oidc: the issuer's tokens with the given audiences; admin routes require
 *   the admin scope, which API Gateway checks before the function runs.
 */
export class ApiAuth extends Construct {
  readonly authorizer: IHttpRouteAuthorizer;
  /** Scopes an admin route requires at the gateway (empty: checked in the handler). */
  readonly adminScopes: string[];
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: ApiAuthProps) {
    super(scope, id);
    if (props.kind === 'oidc') {
      this.authorizer = new HttpJwtAuthorizer('Jwt', props.issuer, { jwtAudience: props.audience });
      this.adminScopes = [props.adminScope];
      this.issuer = props.issuer;
      return;
    }

    const pool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: props.selfSignUp,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Lite covers everything used here (password sign-in, TOTP, groups) at the lowest per-MAU price.
      featurePlan: FeaturePlan.LITE,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'End users of consumer mobile apps sign in with e-mail and a 12+ character password; MFA is offered ' +
        '(TOTP, optional) rather than forced, which most app audiences would not accept. Admin accounts should ' +
        'enable it; the admin group grants only catalog and erasure operations.',
    });
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus feature plan (threat protection) costs about 4x Lite per monthly active user and has no free tier, ' +
        'which would dominate the cost of an otherwise pay-per-request stack; operators who need adaptive ' +
        'authentication can switch the plan on the pool.',
    });
    this.userPool = pool;
    this.userPoolClient = pool.addClient('AppClient', {
      // Mobile apps cannot keep a secret.
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
    });
    new UserPoolGroup(this, 'AdminGroup', {
      userPool: pool,
      groupName: props.adminGroup,
      description: 'Attune administrators: catalog upserts and user erasure',
    });
    this.authorizer = new HttpUserPoolAuthorizer('Cognito', pool, { userPoolClients: [this.userPoolClient] });
    this.adminScopes = [];
    this.issuer = `https://cognito-idp.${pool.stack.region}.amazonaws.com/${pool.userPoolId}`;
  }
}
