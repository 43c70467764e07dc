// Placeholder so the stack can synthesize; the owning issue replaces it with the real handler.
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 503,
  body: JSON.stringify({ error: { code: 'not_implemented', message: 'not yet implemented' } }),
});
