// A dialect's schema as plain data — tables and their columns, types, defaults, keys, foreign keys
// and checks, and indexes — in a stable order, so two databases built by different means (raw SQL
// or Kysely's schema builder) compare equal exactly when their schemas are the same. Statement
// text is not compared: spelling and quoting may differ, the structure may not.
import { sql } from 'kysely';
import type { Db } from '../../src/storage/db.js';

type Row = Record<string, unknown>;

export interface SchemaDump {
  dialect: 'sqlite' | 'postgres';
  /** Recorded migration names, sorted: what an already migrated database holds. */
  migrations: string[];
  tables: Record<string, unknown>;
  indexes: Record<string, unknown>;
  /** View definitions, squashed. */
  views: Record<string, string>;
}

// Lower case, no quotes, no whitespace: what is left of a clause is its meaning.
const squash = (s: string) => s.toLowerCase().replace(/["`]/g, '').replace(/\s+/g, '');

/** The CHECK (…) clauses of a CREATE TABLE statement, each squashed. */
function checksOf(createSql: string): string[] {
  const s = squash(createSql);
  const out: string[] = [];
  for (let i = s.indexOf('check('); i >= 0; i = s.indexOf('check(', i + 1)) {
    let depth = 0;
    let j = i + 5;
    for (; j < s.length; j++) {
      if (s[j] === '(') depth++;
      else if (s[j] === ')' && --depth === 0) break;
    }
    out.push(s.slice(i, j + 1));
  }
  return out.sort();
}

async function rows(db: Db, query: string): Promise<Row[]> {
  return (await sql.raw<Row>(query).execute(db.kysely)).rows;
}

async function migrationNames(db: Db): Promise<string[]> {
  return (await rows(db, 'SELECT name FROM kysely_migration')).map((r) => String(r.name)).sort();
}

async function sqliteDump(db: Db): Promise<SchemaDump> {
  const master = await rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
  const tables: Record<string, unknown> = {};
  const indexes: Record<string, unknown> = {};
  for (const m of master) {
    const name = String(m.name);
    if (m.type === 'table') {
      const createSql = String(m.sql ?? '');
      tables[name] = {
        columns: await rows(db, `SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo('${name}') ORDER BY cid`),
        foreignKeys: await rows(
          db,
          `SELECT "table", "from", "to", on_update, on_delete, "match" FROM pragma_foreign_key_list('${name}') ORDER BY id, seq`,
        ),
        checks: checksOf(createSql),
        autoincrement: /autoincrement/i.test(createSql),
      };
    }
  }
  // Indexes by table, including the automatic ones behind UNIQUE and PRIMARY KEY constraints.
  for (const t of Object.keys(tables)) {
    for (const ix of await rows(db, `SELECT name, "unique", origin, partial FROM pragma_index_list('${t}') ORDER BY name`)) {
      const name = String(ix.name);
      const keyName = name.startsWith('sqlite_autoindex_')
        ? `${t}:${String(ix.origin)}:${name.replace(/^sqlite_autoindex_.*_/, '')}`
        : name;
      const def = master.find((m) => m.name === name)?.sql;
      const where = typeof def === 'string' && /\swhere\s/i.test(def) ? squash(def.slice(def.search(/\swhere\s/i))) : null;
      indexes[keyName] = {
        table: t,
        unique: ix.unique,
        origin: ix.origin,
        partial: ix.partial,
        where,
        columns: await rows(db, `SELECT name, "desc", coll FROM pragma_index_xinfo('${name}') WHERE key = 1 ORDER BY seqno`),
      };
    }
  }
  const views = Object.fromEntries(master.filter((m) => m.type === 'view').map((m) => [String(m.name), squash(String(m.sql))]));
  return { dialect: 'sqlite', migrations: await migrationNames(db), tables, indexes, views };
}

async function postgresDump(db: Db): Promise<SchemaDump> {
  const tables: Record<string, { columns: Row[]; constraints: Row[] }> = {};
  const columns = await rows(
    db,
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length,
      numeric_precision, numeric_scale, is_identity, identity_generation, is_generated, generation_expression
    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  for (const c of columns) {
    const { table_name: t, ...rest } = c;
    (tables[String(t)] ??= { columns: [], constraints: [] }).columns.push(rest);
  }
  const constraints = await rows(
    db,
    `SELECT conrelid::regclass::text AS table_name, conname, contype, pg_get_constraintdef(oid) AS def
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 ORDER BY 1, 2`,
  );
  for (const c of constraints) {
    const { table_name: t, ...rest } = c;
    (tables[String(t)] ??= { columns: [], constraints: [] }).constraints.push(rest);
  }
  const indexes: Record<string, unknown> = {};
  for (const ix of await rows(db, "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname")) {
    indexes[String(ix.indexname)] = { table: ix.tablename, def: ix.indexdef };
  }
  const sequences = await rows(
    db,
    "SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1",
  );
  const views = Object.fromEntries(
    (await rows(db, "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1")).map((v) => [
      String(v.viewname),
      squash(String(v.definition)),
    ]),
  );
  return { dialect: 'postgres', migrations: await migrationNames(db), tables: { ...tables, '(sequences)': sequences }, indexes, views };
}

export function dumpSchema(db: Db): Promise<SchemaDump> {
  return db.dialect === 'postgres' ? postgresDump(db) : sqliteDump(db);
}
