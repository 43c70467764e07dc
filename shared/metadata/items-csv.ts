/**
 * `attune train --items items.csv`: item_id,title,categories with `|` between
 * categories; every other column becomes a property (numbers when the cell is
 * numeric). Parsed with csv-parse, so quoted commas and newlines are fields.
 */
import { parse } from 'csv-parse/sync';
import type { ItemMetadata } from './vocabulary';

export class ItemsCsvError extends Error {}

export function parseItemsCsv(text: string): ItemMetadata[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false });
  } catch (e) {
    throw new ItemsCsvError(`items file: ${(e as Error).message}`);
  }
  if (records.length === 0) throw new ItemsCsvError('items file: empty (expected a header item_id,title,categories)');
  const header = records[0].map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const idCol = col('item_id');
  if (idCol < 0) throw new ItemsCsvError(`items file: no item_id column in header "${header.join(',')}"`);
  if (records.length === 1) throw new ItemsCsvError('items file: a header and no items');
  const titleCol = col('title');
  const catCol = col('categories');
  const out: ItemMetadata[] = [];
  const seen = new Set<string>();
  for (let r = 1; r < records.length; r++) {
    const row = records[r];
    const itemId = row[idCol].trim();
    if (!itemId) throw new ItemsCsvError(`items file: line ${r + 1} has an empty item_id`);
    if (seen.has(itemId)) throw new ItemsCsvError(`items file: item_id "${itemId}" appears twice (line ${r + 1})`);
    seen.add(itemId);
    const categories =
      catCol >= 0
        ? row[catCol]
            .split('|')
            .map((c) => c.trim())
            .filter(Boolean)
        : [];
    const properties: ItemMetadata['properties'] = {};
    header.forEach((h, c) => {
      if (c === idCol || c === titleCol || c === catCol || row[c] === '') return;
      const v = row[c].trim();
      properties[h] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    });
    out.push({ itemId, title: titleCol >= 0 ? row[titleCol] : undefined, categories, properties });
  }
  return out;
}
