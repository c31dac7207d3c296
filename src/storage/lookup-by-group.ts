// Rows asked for by a key within a group (listings by lot within their source), a query per group
// so each seeks the leading (group, key) index: asked by key alone, both databases read the whole
// index once a batch, a cost that grew with the table. On PostgreSQL the groups' queries go as one
// statement (UNION ALL), one round trip where the benchmark's three sources took three; on SQLite
// each is a call on this thread and keeps its own statement, so their texts stay few.
import type { SelectQueryBuilder } from 'kysely';
import { inList, lookupKeysPerStatement } from './in-list.js';
import type { Database } from './schema.js';

/**
 * The rows `query` finds for each group's keys (`pairs` of group and key, repeats allowed; IN lists
 * padded by `inList`), at most
 * `lookupKeysPerStatement` keys to a statement: on PostgreSQL the groups' lists are packed into
 * as few statements as that allows.
 */
export async function lookupByGroup<TB extends keyof Database, O>(
  dialect: 'sqlite' | 'postgres',
  pairs: Iterable<readonly [group: string, key: string]>,
  query: (group: string, keys: string[]) => SelectQueryBuilder<Database, TB, O>,
): Promise<O[]> {
  const size = lookupKeysPerStatement(dialect);
  const keysByGroup = new Map<string, Set<string>>();
  for (const [group, key] of pairs) {
    const keys = keysByGroup.get(group);
    if (keys) keys.add(key);
    else keysByGroup.set(group, new Set([key]));
  }
  const parts: Array<{ group: string; keys: string[] }> = [];
  for (const [group, set] of keysByGroup) {
    const keys = [...set];
    for (let i = 0; i < keys.length; i += size) parts.push({ group, keys: keys.slice(i, i + size) });
  }
  const out: O[] = [];
  if (dialect === 'sqlite') {
    for (const p of parts) out.push(...(await query(p.group, inList(p.keys)).execute()));
    return out;
  }
  for (let i = 0; i < parts.length;) {
    let q = query(parts[i]!.group, inList(parts[i]!.keys));
    let keys = parts[i]!.keys.length;
    for (i++; i < parts.length && keys + parts[i]!.keys.length <= size; i++) {
      q = q.unionAll(query(parts[i]!.group, inList(parts[i]!.keys)));
      keys += parts[i]!.keys.length;
    }
    out.push(...(await q.execute()));
  }
  return out;
}
