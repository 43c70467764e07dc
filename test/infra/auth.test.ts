import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config';
import { ADMIN_SCOPE } from '../../shared/http/auth';
import { FUNCTIONS, ROUTES, type FunctionName } from '../../shared/topology';
import { logicalId, synth, type Synth } from './synth';

type Props = Record<string, any>;

/** Every route of the template by route key, with the function its integration invokes. */
function routes(s: Synth): Map<string, { route: Props; functionId: string }> {
  const integrations = s.template.findResources('AWS::ApiGatewayV2::Integration');
  const out = new Map<string, { route: Props; functionId: string }>();
  for (const r of Object.values(s.template.findResources('AWS::ApiGatewayV2::Route'))) {
    const integrationId = r.Properties.Target['Fn::Join'][1][1].Ref as string;
    const integration = integrations[integrationId].Properties;
    expect(integration.PayloadFormatVersion).toBe('2.0');
    // The integration invokes the function's live alias.
    out.set(r.Properties.RouteKey, { route: r.Properties, functionId: integration.IntegrationUri.Ref });
  }
  return out;
}

function envOf(s: Synth, name: FunctionName): Record<string, unknown> {
  return s.template.findResources('AWS::Lambda::Function')[logicalId(s.stack, s.stack.functions[name].fn)].Properties
    .Environment.Variables;
}

describe('routes (default: Cognito user pool)', () => {
  const s = synth();
  const byKey = routes(s);
  const authorizers = s.template.findResources('AWS::ApiGatewayV2::Authorizer');
  const [authorizerId] = Object.keys(authorizers);

  it('serves every topology route, each from its function, and nothing else', () => {
    expect([...byKey.keys()].sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const r of ROUTES) {
      expect(byKey.get(`${r.method} ${r.path}`)?.functionId).toBe(
        logicalId(s.stack, s.stack.functions[r.function].alias),
      );
    }
  });

  it('has one JWT authorizer whose issuer and audiences are the stack user pool, app client and admin client', () => {
    expect(Object.keys(authorizers)).toHaveLength(1);
    const a = authorizers[authorizerId].Properties;
    expect(a.AuthorizerType).toBe('JWT');
    expect(a.IdentitySource).toEqual(['$request.header.Authorization']);
    expect(a.JwtConfiguration.Audience).toEqual([
      { Ref: logicalId(s.stack, s.stack.auth!.userPoolClient!) },
      { Ref: logicalId(s.stack, s.stack.auth!.adminClient!) },
    ]);
    expect(JSON.stringify(a.JwtConfiguration.Issuer)).toContain(logicalId(s.stack, s.stack.auth!.userPool!));
  });

  it('puts the authorizer on every non-public route and none on public ones', () => {
    for (const r of ROUTES) {
      const { route } = byKey.get(`${r.method} ${r.path}`)!;
      if (r.auth === 'public') {
        expect(route.AuthorizationType, r.path).toBe('NONE');
        expect(route.AuthorizerId).toBeUndefined();
      } else {
        expect(route.AuthorizationType, r.path).toBe('JWT');
        expect(route.AuthorizerId).toEqual({ Ref: authorizerId });
      }
    }
  });

  it('admin routes require the admin scope at the gateway; only the client-credentials admin client gets it', () => {
    for (const r of ROUTES) {
      const { route } = byKey.get(`${r.method} ${r.path}`)!;
      if (r.auth === 'admin') expect(route.AuthorizationScopes, r.path).toEqual([ADMIN_SCOPE]);
      else expect(route.AuthorizationScopes, r.path).toBeUndefined();
      expect(envOf(s, r.function)[ENV.authMode]).toBe('jwt');
    }
    // No password-only account can reach them: no admin group, and the app client has no OAuth scopes.
    s.template.resourceCountIs('AWS::Cognito::UserPoolGroup', 0);
    const [server, scope] = ADMIN_SCOPE.split('/');
    s.template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: server,
      Scopes: [{ ScopeName: scope, ScopeDescription: Match.anyValue() }],
    });
    const clients = s.template.findResources('AWS::Cognito::UserPoolClient');
    const admin = clients[logicalId(s.stack, s.stack.auth!.adminClient!)].Properties;
    expect(admin).toMatchObject({
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: [{ 'Fn::Join': ['', [{ Ref: expect.any(String) }, `/${scope}`]] }],
    });
    expect(admin.ExplicitAuthFlows ?? []).not.toContain('ALLOW_USER_SRP_AUTH');
    const app = clients[logicalId(s.stack, s.stack.auth!.userPoolClient!)].Properties;
    expect(app.AllowedOAuthFlows).toBeUndefined();
    expect(app.AllowedOAuthScopes).toBeUndefined();
    // The token endpoint's domain: unique per stage and account, no region baked in.
    s.template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['attune-prod-', { Ref: 'AWS::AccountId' }]] },
    });
    expect(Object.keys(s.template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['AdminClientId', 'TokenEndpoint']),
    );
  });

  it("sends Cognito's e-mail through SES when a verified sender is configured", () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: { EmailSendingAccount: 'COGNITO_DEFAULT' },
    });
    const ses = synth({ 'attune:sesFromEmail': 'no-reply@example.com', 'attune:sesRegion': 'eu-west-1' });
    ses.template.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: Match.objectLike({
        EmailSendingAccount: 'DEVELOPER',
        From: 'no-reply@example.com',
        SourceArn: Match.anyValue(),
      }),
    });
    expect(JSON.stringify(ses.template.findResources('AWS::Cognito::UserPool'))).toContain('eu-west-1');
    expect(() => synth({ 'attune:sesFromEmail': 'not-an-address' })).toThrow(/sesFromEmail/);
  });

  it('creates a hardened user pool and a secretless mobile app client', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      DeletionProtection: 'ACTIVE',
      UserPoolTier: 'LITE',
      UsernameAttributes: ['email'],
    });
    s.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    });
  });
});

describe('routes with an existing OIDC issuer', () => {
  const s = synth({
    'attune:jwtIssuer': 'https://login.example.com/',
    'attune:jwtAudience': '["attune-ios","attune-android"]',
  });
  const byKey = routes(s);

  it('creates no user pool and a JWT authorizer for the issuer and audiences', () => {
    s.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://login.example.com/', Audience: ['attune-ios', 'attune-android'] },
    });
    expect(Object.keys(s.template.findOutputs('UserPoolId'))).toEqual([]);
  });

  it('requires the admin scope on admin routes only', () => {
    for (const r of ROUTES) {
      const { route } = byKey.get(`${r.method} ${r.path}`)!;
      if (r.auth === 'admin') expect(route.AuthorizationScopes, r.path).toEqual([ADMIN_SCOPE]);
      else expect(route.AuthorizationScopes, r.path).toBeUndefined();
      expect(route.AuthorizationType).toBe(r.auth === 'public' ? 'NONE' : 'JWT');
    }
  });

  it('refuses an issuer without an audience', () => {
    expect(() => synth({ 'attune:jwtIssuer': 'https://login.example.com/' })).toThrow(/jwtAudience/);
  });
});

describe('unauthenticated mode', () => {
  it('is off by default', () => {
    const s = synth();
    expect(s.stack.settings.unauthenticated).toBe(false);
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) expect(envOf(s, name)[ENV.authMode]).toBe('jwt');
  });

  it('removes every authorizer and the user pool only behind attune:unauthenticated=true', () => {
    // From the command line (-c attune:unauthenticated=true) the value is a string.
    const s = synth({ 'attune:unauthenticated': 'true' });
    s.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    s.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    for (const { route } of routes(s).values()) {
      expect(route.AuthorizationType).toBe('NONE');
      expect(route.AuthorizationScopes).toBeUndefined();
    }
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) expect(envOf(s, name)[ENV.authMode]).toBe('none');
  });

  it('rejects anything but true or false', () => {
    expect(() => synth({ 'attune:unauthenticated': 'yes' })).toThrow(/unauthenticated/);
  });
});
