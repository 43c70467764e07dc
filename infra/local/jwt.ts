/**
 * Local stand-in for the JWT authorizer: a signing key kept under
 * ATTUNE_HOME issues dev tokens (`attune local token`), and start-api
 * verifies them and hands the same claims to handlers as API Gateway does.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';

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
  try {
    const { payload } = await jwtVerify(token, key, { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });
    return payload as Record<string, unknown>;
  } catch {
    return null;
  }
}
