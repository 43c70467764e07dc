/**
 * Local stand-in for the JWT authorizer: a signing key kept under
 * ATTUNE_HOME issues dev tokens (`attune local token`), and start-api
 * verifies them and hands the same claims to handlers as API Gateway does.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

export const LOCAL_ISSUER = 'attune-local';
export const LOCAL_AUDIENCE = 'attune';

/** Reads the local signing key, creating it (0600) on first use. */
export function localSigningKey(file: string): Uint8Array {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export async function issueToken(
  key: Uint8Array,
  subject: string,
  opts: { admin?: boolean; adminGroup?: string; ttlSeconds?: number } = {},
): Promise<string> {
  return new SignJWT({ ...(opts.admin ? { 'cognito:groups': [opts.adminGroup ?? 'admin'] } : {}), token_use: 'access' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds ?? 12 * 3600}s`)
    .sign(key);
}

/** Verifies a bearer token; returns its claims or null (expired, forged, wrong audience). */
export async function verifyToken(key: Uint8Array, token: string): Promise<Record<string, unknown> | null> {
  const r = await checkToken(key, token);
  return 'claims' in r ? r.claims : null;
}

/**
 * Verifies a bearer token and, when it fails, says why in the words of API
 * Gateway's JWT authorizer `www-authenticate` error_description (its audience
 * wording is documented; the others follow the same pattern).
 */
export async function checkToken(
  key: Uint8Array,
  token: string,
): Promise<{ claims: Record<string, unknown> } | { error: string }> {
  try {
    const { payload } = await jwtVerify(token, key, { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });
    return { claims: payload as Record<string, unknown> };
  } catch (err) {
    return { error: failureDescription(err) };
  }
}

function failureDescription(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'the token does not have a valid audience';
    if (err.claim === 'iss') return 'the token does not have a valid issuer';
    return `the token has an invalid ${err.claim} claim`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  return 'the token is malformed';
}
