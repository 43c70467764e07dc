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
  OAuthScope,
  ResourceServerScope,
  UserPool,
  type UserPoolClient,
  UserPoolDomain,
  UserPoolEmail,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export type ApiAuthProps =
  | {
      kind: 'cognito';
      /** `<resource server>/<scope>`: what the admin client's tokens carry and admin routes require. */
      adminScope: string;
      selfSignUp: boolean;
      removalPolicy: RemovalPolicy;
      /** Verified SES sender; absent: Cognito's default sender (50 e-mails a day, for trials only). */
      ses?: { fromEmail: string; region?: string };
      /** Prefix of the Cognito domain that serves the token endpoint (unique in the region). */
      domainPrefix: string;
    }
  | {
      kind: 'oidc';
      issuer: string;
      audience: string[];
      /** Scope API Gateway requires on admin routes. */
      adminScope: string;
    };

/**
 * The JWT authorizer for the HTTP API and how admin routes are guarded. In
 * both modes admin routes (erasure, catalog) require the admin scope at the
 * gateway, so only machine credentials reach them: no password-only account
 * can erase users or edit the catalog.
 * - cognito: a user pool (e-mail sign-in, strong passwords, optional TOTP MFA,
 *   SES sending when configured), a public app client for mobile apps (SRP, no
 *   secret, no OAuth scopes), and a confidential admin client that gets
 *   `attune/admin` tokens by the client-credentials grant from the pool's
 *   token endpoint (resource server `attune`, scope `admin`).
 * - oidc: the issuer's tokens with the given audiences; the issuer grants the scope.
 */
export class ApiAuth extends Construct {
  readonly authorizer: IHttpRouteAuthorizer;
  /** Scopes an admin route requires at the gateway (empty: checked in the handler). */
  readonly adminScopes: string[];
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  /** Cognito: the client-credentials client for admin jobs (catalog sync, erasure). */
  readonly adminClient?: UserPoolClient;
  /** Cognito: the token endpoint of the admin client. */
  readonly tokenEndpoint?: string;
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
      email: props.ses
        ? UserPoolEmail.withSES({ fromEmail: props.ses.fromEmail, sesRegion: props.ses.region || undefined })
        : UserPoolEmail.withCognito(),
      // Lite covers everything used here (password sign-in, TOTP, groups) at the lowest per-MAU price.
      featurePlan: FeaturePlan.LITE,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'End users of consumer mobile apps sign in with e-mail and a 12+ character password; MFA is offered ' +
        '(TOTP, optional) rather than forced, which most app audiences would not accept. No user account can reach ' +
        'the admin routes: they require the attune/admin scope, granted only to the client-credentials admin client.',
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
    const [serverId, scopeName] = props.adminScope.split('/');
    const adminScope = new ResourceServerScope({ scopeName, scopeDescription: 'Attune admin: catalog and erasure' });
    const server = pool.addResourceServer('ResourceServer', { identifier: serverId, scopes: [adminScope] });
    this.adminClient = pool.addClient('AdminClient', {
      // A backend job (catalog sync, erasure requests) keeps the secret.
      generateSecret: true,
      authFlows: {},
      oAuth: { flows: { clientCredentials: true }, scopes: [OAuthScope.resourceServer(server, adminScope)] },
      accessTokenValidity: Duration.hours(1),
      enableTokenRevocation: true,
    });
    const domain = new UserPoolDomain(this, 'Domain', {
      userPool: pool,
      cognitoDomain: { domainPrefix: props.domainPrefix },
    });
    this.tokenEndpoint = `${domain.baseUrl()}/oauth2/token`;
    this.authorizer = new HttpUserPoolAuthorizer('Cognito', pool, {
      userPoolClients: [this.userPoolClient, this.adminClient],
    });
    this.adminScopes = [props.adminScope];
    this.issuer = `https://cognito-idp.${pool.stack.region}.amazonaws.com/${pool.userPoolId}`;
  }
}
