/** `npm run wat`: rewrites the committed WAT listings of the generated kernels (see listings.ts). */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LISTINGS, disassemble } from './listings';

const here = dirname(fileURLToPath(import.meta.url));
for (const l of LISTINGS) {
  const text = await disassemble(l.bytes());
  writeFileSync(join(here, l.file), text);
  console.log(`${l.file}: ${text.split('\n').length} lines`);
}
