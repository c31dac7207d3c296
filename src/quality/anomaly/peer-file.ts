// The peers of a streamed import, on disk. Every publishable row of a file is compared with every
// other and with the live population, so the peers grow with the file; held as objects they were
// ~450 bytes a row (a 200,000-row file kept ~100 MB of them on the heap). Here they sit in a
// scratch SQLite database, and each batch asks for what it needs: the holders of its VINs, and a
// cohort's values once per cohort and year window (centres are cached). The answers are those of
// `Peers` over the same features in the same order: population first, then the file by row.
import type { Statement } from 'better-sqlite3';
import { openScratchDatabase, type ScratchDatabase } from '../../storage/index.js';
import { ANOMALY_SETTINGS, CohortCenters, type CohortCenter, type PeerFeature, type PeerIndex } from './detector.js';

/** A contract-passing row of the file, staged until its lot's last row is known. */
export interface StagedPeer {
  row: number;
  make: string;
  model: string;
  feature: PeerFeature;
}

// Population rows sort before every file row (file rows are ordered by their row number, ≥ 0).
const POPULATION_ORD = -(2 ** 52);

export class PeerFile implements PeerIndex {
  private readonly db: ScratchDatabase;
  private readonly centers: CohortCenters;
  private nextPopulationOrd = POPULATION_ORD;
  private readonly put: Statement;
  private readonly putPopulation: Statement;
  private queries: { holders: Statement; cohort: Statement } | null = null;

  constructor(settings: Partial<typeof ANOMALY_SETTINGS> = {}) {
    this.db = openScratchDatabase();
    this.db.exec(`CREATE TABLE peers (
      ord INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, vin TEXT, cohort TEXT NOT NULL,
      year INTEGER NOT NULL, log_bid REAL NOT NULL, mileage REAL, make TEXT, model TEXT)`);
    this.put = this.db.prepare(
      `INSERT INTO peers (ord, key, vin, cohort, year, log_bid, mileage, make, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET ord = excluded.ord, vin = excluded.vin, cohort = excluded.cohort, year = excluded.year,
         log_bid = excluded.log_bid, mileage = excluded.mileage, make = excluded.make, model = excluded.model`,
    );
    this.putPopulation = this.db.prepare(
      'INSERT OR IGNORE INTO peers (ord, key, vin, cohort, year, log_bid, mileage) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.centers = new CohortCenters((cohort, year, w) => this.cohortValues(cohort, year, w), settings);
  }

  /** Stages a batch of the file's contract-passing rows; later rows of a lot replace earlier ones. */
  stage(rows: readonly StagedPeer[]): void {
    this.db.transaction(() => {
      for (const { row, make, model, feature: f } of rows)
        this.put.run(row, f.key, f.vin, f.cohort, f.year, f.logBid, f.mileage, make, model);
    })();
  }

  /**
   * Drops the staged rows that are not their lot's winner: a lot whose last row failed the
   * contract has no peer at all, as in a whole-file import.
   */
  keepWinners(isWinner: (row: number) => boolean): void {
    this.db.function('is_winner', { deterministic: true }, (row) => (isWinner(Number(row)) ? 1 : 0));
    this.db.prepare('DELETE FROM peers WHERE ord >= 0 AND NOT is_winner(ord)').run();
  }

  /** The file's makes and models, each pair once, in the order of their first row. */
  families(): Array<{ make: string; model: string }> {
    return this.db.prepare('SELECT make, model FROM peers WHERE ord >= 0 GROUP BY make, model ORDER BY MIN(ord)').all() as Array<{
      make: string;
      model: string;
    }>;
  }

  /** The file's VINs, each once, in the order of their first row, `size` at a time. */
  *vinChunks(size: number): Generator<string[]> {
    this.db.exec(`DROP TABLE IF EXISTS file_vins;
      CREATE TABLE file_vins (i INTEGER PRIMARY KEY, vin TEXT NOT NULL);
      INSERT INTO file_vins (vin) SELECT vin FROM peers WHERE ord >= 0 AND vin IS NOT NULL GROUP BY vin ORDER BY MIN(ord)`);
    const page = this.db.prepare('SELECT vin FROM file_vins WHERE i > ? ORDER BY i LIMIT ?').pluck();
    for (let after = 0; ; after += size) {
      const vins = page.all(after, size) as string[];
      if (vins.length === 0) return;
      yield vins;
    }
  }

  /** Live listings, before every file row; one already added is ignored. */
  addPopulation(features: readonly PeerFeature[]): void {
    this.db.transaction(() => {
      for (const f of features) this.putPopulation.run(this.nextPopulationOrd++, f.key, f.vin, f.cohort, f.year, f.logBid, f.mileage);
    })();
  }

  /** Peers of every kind, population and file. */
  get size(): number {
    return this.db.prepare('SELECT count(*) FROM peers').pluck().get() as number;
  }

  holdersOfEach(vins: readonly string[], limit: number): ReadonlyMap<string, readonly string[]> {
    const out = new Map<string, string[]>();
    if (vins.length === 0) return out;
    // Rows come grouped by VIN, each group in peer order.
    for (const [vin, key] of this.indexed().holders.all({ vins: JSON.stringify(vins), limit }) as Array<[string, string]>) {
      const keys = out.get(vin);
      if (keys) keys.push(key);
      else out.set(vin, [key]);
    }
    return out;
  }

  cohortFor(cohort: string, year: number): CohortCenter | null {
    return this.centers.for(cohort, year);
  }

  close(): void {
    this.db.close();
  }

  private cohortValues(cohort: string, year: number, window: number): { logBids: number[]; miles: number[] } {
    const rows = this.indexed().cohort.all(cohort, year - window, year + window) as Array<[number, number | null]>;
    const logBids: number[] = [];
    const miles: number[] = [];
    for (const [bid, m] of rows) {
      logBids.push(bid);
      if (m !== null) miles.push(m);
    }
    return { logBids, miles };
  }

  // Indexes are built when the first batch asks, once the rows are in: kept up during the
  // inserts they would cost each of them.
  private indexed(): { holders: Statement; cohort: Statement } {
    if (this.queries) return this.queries;
    this.db.exec('CREATE INDEX peers_vin ON peers (vin, ord); CREATE INDEX peers_cohort ON peers (cohort, year)');
    this.queries = {
      // Each VIN's first `limit` holders by an index seek, the whole batch's VINs in one statement.
      holders: this.db
        .prepare(
          `SELECT p.vin, p.key FROM json_each(@vins) AS v
             JOIN peers AS p ON p.ord IN (SELECT ord FROM peers WHERE vin = v.value ORDER BY ord LIMIT @limit)
           ORDER BY v.key, p.ord`,
        )
        .raw(),
      cohort: this.db.prepare('SELECT log_bid, mileage FROM peers WHERE cohort = ? AND year BETWEEN ? AND ?').raw(),
    };
    return this.queries;
  }
}
