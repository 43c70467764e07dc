/**
 * Writes docs/openapi.json from the schemas (`npm run openapi`) and regenerates
 * the client's types from it (clients/typescript/src/schema.d.ts); tests fail when either is stale.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../../shared/http/openapi';
import { REPO_ROOT } from './functions';

const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
writeFileSync(join(REPO_ROOT, 'docs/openapi.json'), JSON.stringify(buildOpenApi(version), null, 2) + '\n');
console.log('wrote docs/openapi.json');
const client = join(REPO_ROOT, 'clients/typescript');
execFileSync(
  join(client, 'node_modules/.bin/openapi-typescript'),
  ['../../docs/openapi.json', '-o', 'src/schema.d.ts'],
  {
    cwd: client,
    stdio: 'pipe',
  },
);
console.log('wrote clients/typescript/src/schema.d.ts');
