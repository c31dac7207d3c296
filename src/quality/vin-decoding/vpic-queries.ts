// corgi's descriptor-pattern query, answered from a narrower join with the same rows.
//
// For a WMI and model year, corgi asks for every pattern of the matching VIN schemas, each with the
// year range of the schema's WMI assignments (Wmi_VinSchema), as SELECT DISTINCT over the pattern
// joined to every assignment of its schema. A schema is assigned to many WMIs, nearly always for
// the same years: vPIC 2.0.1 has 41,349 assignments but 24,820 distinct (schema, YearFrom, YearTo).
// The first half of the query reads them all and sorts away the repeats; reading the distinct
// ranges instead (ds_schema_years, built when the file is unpacked) gives the same rows at half the
// cost. The query's second half (each model pattern's make) has no DISTINCT: its rows repeat once
// per assignment, and corgi counts those repeats when it weighs one schema against another, so it
// keeps the full join.

/** Built once per unpacked file (vpic-database.ts): each schema's distinct assignment year ranges. */
export const SCHEMA_YEARS_DDL = [
  `CREATE TABLE IF NOT EXISTS ds_schema_years AS
     SELECT VinSchemaId, YearFrom, YearTo FROM Wmi_VinSchema GROUP BY VinSchemaId, YearFrom, YearTo`,
  'CREATE INDEX IF NOT EXISTS ds_schema_years_schema ON ds_schema_years (VinSchemaId)',
];

const PATTERN_QUERY_MARK = 'WITH ValidSchemas AS';
const FIRST_HALF_JOIN = /JOIN Wmi_VinSchema wvs ON p\.VinSchemaId = wvs\.VinSchemaId/;
const HALVES = 'UNION ALL';

/**
 * The pattern query with its DISTINCT half reading ds_schema_years; null for any other query, or
 * for a pattern query not shaped as this corgi release writes it (then it runs as written).
 */
export function narrowPatternQuery(query: string): string | null {
  if (!query.includes(PATTERN_QUERY_MARK)) return null;
  const at = query.indexOf(HALVES);
  if (at < 0) return null;
  const first = query.slice(0, at);
  if (!/SELECT DISTINCT/.test(first) || !FIRST_HALF_JOIN.test(first)) return null;
  return first.replace(FIRST_HALF_JOIN, 'JOIN ds_schema_years wvs ON p.VinSchemaId = wvs.VinSchemaId') + query.slice(at);
}
