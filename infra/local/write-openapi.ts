/** Writes docs/openapi.json from the schemas (`npm run openapi`); a test fails when it is stale. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../../shared/http/openapi';
import { REPO_ROOT } from './functions';

const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
writeFileSync(join(REPO_ROOT, 'docs/openapi.json'), JSON.stringify(buildOpenApi(version), null, 2) + '\n');
console.log('wrote docs/openapi.json');
