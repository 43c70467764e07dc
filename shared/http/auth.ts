/**
 * Who is calling, from the API Gateway v2 request context, and whether they
 * may use a route. API Gateway's JWT authorizer already verified the token;
 * this is defence in depth so a misconfigured route cannot leak another user's data.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AuthMode } from '../config';
import type { RouteAuth } from '../topology';
import { forbidden, unauthorized } from './errors';

export interface Principal {
  /** False in the unauthenticated dev mode: nobody is identified, everything is allowed. */
  authenticated: boolean;
  subject?: string;
  groups: string[];
  scopes: string[];
  isAdmin: boolean;
}

/** API Gateway flattens array claims to "[a b c]"; accept that, JSON arrays and plain lists. */
function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value === '') return [];
  const s = value.trim();
  if (s.startsWith('[') && s.endsWith(']')) {
    try {
      const parsed = JSON.parse(s);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      return s
        .slice(1, -1)
        .split(/[\s,]+/)
        .filter(Boolean);
    }
  }
  return s.split(/[\s,]+/).filter(Boolean);
}

/** Admin scope for OIDC issuers that express roles as OAuth scopes. */
export const ADMIN_SCOPE = 'attune/admin';

export function principalOf(event: APIGatewayProxyEventV2, mode: AuthMode, adminGroup: string): Principal {
  if (mode === 'none') return { authenticated: false, groups: [], scopes: [], isAdmin: true };
  // A hand-written event (attune local invoke) may have no request context at all.
  const authorizer = (event.requestContext as { authorizer?: Record<string, any> } | undefined)?.authorizer;
  if (authorizer?.iam) {
    // IAM-signed server-to-server calls are trusted as admin; IAM policy is the gate.
    return { authenticated: true, groups: [], scopes: [], isAdmin: true };
  }
  const claims = authorizer?.jwt?.claims as Record<string, unknown> | undefined;
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '') {
    return { authenticated: false, groups: [], scopes: [], isAdmin: false };
  }
  const groups = claimList(claims['cognito:groups']);
  const scopes = claimList(claims.scope ?? claims.scp);
  return {
    authenticated: true,
    subject: claims.sub,
    groups,
    scopes,
    isAdmin: groups.includes(adminGroup) || scopes.includes(ADMIN_SCOPE),
  };
}

/**
 * Enforces a route's auth level. `pathUserId` is the {userId} of the path, if any.
 * In mode 'none' (dev stages only) everything passes.
 */
export function authorize(principal: Principal, auth: RouteAuth, mode: AuthMode, pathUserId?: string): void {
  if (mode === 'none' || auth === 'public') return;
  if (!principal.authenticated) throw unauthorized();
  if (auth === 'admin' && !principal.isAdmin) throw forbidden('this route requires the admin role');
  if (auth === 'subject' && pathUserId !== undefined && !principal.isAdmin && principal.subject !== pathUserId) {
    throw forbidden('a token may only act for its own user');
  }
}
