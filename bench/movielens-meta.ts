/**
 * MovieLens 100K metadata for offline evaluation (bench only; tests generate
 * data): the genres of u.item (latin-1) and age band / gender / occupation of
 * u.user, as token bags in the index space of bench/quality-data.ts's loader.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenBags } from '../shared/math/neural/network';
import { Vocabulary, itemTokens, tokenBags, userTokens } from '../shared/metadata/vocabulary';

/** Raw ids in the order loadMl100k numbers them (first appearance in u.data). */
function idOrder(dir: string): { users: string[]; items: string[] } {
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  for (const line of readFileSync(join(dir, 'u.data'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [u, i] = line.split('\t');
    if (!users.has(u)) users.set(u, users.size);
    if (!items.has(i)) items.set(i, items.size);
  }
  return { users: [...users.keys()], items: [...items.keys()] };
}

/** MovieLens ages as the bands the API's attributes use; shared by every bench that feeds the network. */
export function ageBand(age: number): string {
  const bands: [number, string][] = [
    [18, '<18'],
    [25, '18-24'],
    [35, '25-34'],
    [45, '35-44'],
    [50, '45-49'],
    [56, '50-55'],
  ];
  for (const [hi, name] of bands) if (age < hi) return name;
  return '56+';
}

export interface MovieLensMeta {
  itemVocab: Vocabulary;
  userVocab: Vocabulary;
  itemBags: TokenBags;
  userBags: TokenBags;
  genres: string[];
}

export function loadMl100kMeta(dir: string): MovieLensMeta {
  const { users, items } = idOrder(dir);
  const genres = readFileSync(join(dir, 'u.genre'), 'latin1')
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((l) => l.split('|')[0]);
  const itemTok = new Map<string, string[]>();
  for (const line of readFileSync(join(dir, 'u.item'), 'latin1').split('\n')) {
    const f = line.split('|');
    if (f.length < 5 + genres.length) continue;
    const flags = f.slice(f.length - genres.length);
    itemTok.set(f[0], itemTokens({ categories: genres.filter((_, g) => flags[g] === '1'), properties: {} }));
  }
  const userTok = new Map<string, string[]>();
  for (const line of readFileSync(join(dir, 'u.user'), 'latin1').split('\n')) {
    const [id, age, gender, occupation] = line.split('|');
    if (!occupation) continue;
    userTok.set(id, userTokens({ age: ageBand(Number(age)), gender, occupation }));
  }
  const itemVocab = new Vocabulary();
  const userVocab = new Vocabulary();
  return {
    itemBags: tokenBags(items, (id) => itemTok.get(id), itemVocab, true),
    userBags: tokenBags(users, (id) => userTok.get(id), userVocab, true),
    itemVocab,
    userVocab,
    genres,
  };
}
