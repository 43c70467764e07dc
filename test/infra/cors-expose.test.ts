/**
 * A browser on another origin reads only CORS-safelisted response headers unless the API
 * exposes more (session 22 review, docs/reliability.md). The client's `retryAfter` comes from
 * `Retry-After`, which is not safelisted: with CORS on, the API must expose it, or a browser
 * app's client backs off without the server's hint.
 */
import { describe, expect, it } from 'vitest';
import { synth } from './synth';

describe('CORS', () => {
  it('exposes Retry-After to browser clients when origins are configured', () => {
    const api = Object.values(
      synth({ 'attune:corsOrigins': 'https://app.example.com' }).template.findResources('AWS::ApiGatewayV2::Api'),
    )[0].Properties;
    expect(api.CorsConfiguration.ExposeHeaders).toEqual(['retry-after']);
  });
});
