// Anomaly detection (ENABLE_ANOMALY_DETECTION): rule guards for the impossible and the
// implausible, plus robust cohort statistics for what is merely far from its peers. Pure: the
// caller supplies the population (other live listings) and comps, so the labelled evaluation set
// and the ingestion pipeline run exactly the same code.
import type { ArbitrageParams } from '../../config/index.js';
import { familyOf, titleMultiplier, valueFromComps, vehicleClass } from '../../opportunities/index.js';
import type { Comp, ListingCore, ListingInput } from '../../opportunities/index.js';
import { vinModelYear, vinProblems } from '../vin.js';
import { modifiedZ, robustCenter, type RobustCenter } from './robust-stats.js';

export const ANOMALY_KINDS = [
  'nominal_bid',
  'mileage_for_age',
  'vin_year_mismatch',
  'price_vs_comps',
  'duplicate_vin',
  'auction_ended',
  'bid_cohort_outlier',
  'mileage_cohort_outlier',
  'text_sanitized',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface DetectedAnomaly {
  kind: AnomalyKind;
  detail: string;
}

export const ANOMALY_SETTINGS = {
  /** A bid at or below this is a placeholder, not a price, whatever the vehicle's age. */
  nominalBidCents: 100,
  /** Fleet units run hard, but not this hard for every year of their life. */
  maxMilesPerYear: 60_000,
  /** Past this a light vehicle's odometer reading is far more likely a typo (an extra digit) than miles driven. */
  maxPlausibleMiles: 400_000,
  /** Comps-based value needs this many comparables before a price is called far outside it. */
  minComps: 3,
  bidAboveCompsHighFactor: 1.6,
  /** Below this a comps value is itself suspect (mileage adjustments can drive it to zero). */
  minCompsValueCents: 50_000,
  /** Cohort statistics need this many peers; below it the cohort widens, then gives up. */
  minCohortSize: 8,
  cohortYearWindows: [0, 2] as readonly number[],
  zThreshold: 3.5,
  /**
   * Floors on the spread: synthetic or very uniform cohorts have a tiny MAD that would make an
   * ordinary value look extreme. Bids are compared in log space (0.25 ≈ ±28 %).
   */
  minLogBidMad: 0.25,
  minMileageMadRatio: 0.2,
  minMileageMad: 5_000,
} as const;

export interface DetectorContext {
  now: number;
  params: ArbitrageParams;
  /** Candidate comps for a make/model (the engine narrows them to the year window). */
  comps(listing: ListingInput): readonly Comp[];
  /** Other live listings: peers for cohort statistics and for duplicated-VIN checks. */
  population: readonly PeerListing[];
  /** Peers indexed beforehand (a streamed import's whole file); `population` is then not read. */
  peers?: PeerIndex;
  settings?: Partial<typeof ANOMALY_SETTINGS>;
}

export const listingKey = (l: Pick<ListingInput, 'source' | 'lotId'>): string => `${l.source}\u0000${l.lotId}`;

/** A duplicate_vin flag's text: the VIN and up to three of the other live listings holding it. */
export function duplicateVinDetail(vin: string, others: readonly string[]): string {
  return `VIN ${vin} also on ${others
    .slice(0, 3)
    .map((k) => k.replace('\u0000', ' lot '))
    .join(', ')}`;
}
const dollars = (c: number) => `$${(c / 100).toFixed(2)}`;

/** Bids in log dollars, scaled up by the title brand so salvage lots compare with clean ones. */
function logBid(l: PeerListing, params: ArbitrageParams): number {
  return Math.log1p(l.currentBidCents / 100 / Math.max(0.1, titleMultiplier(l.titleStatus, params)));
}

function floorMad(c: RobustCenter, min: number): RobustCenter {
  return { ...c, mad: Math.max(c.mad, min) };
}

function mileageCenter(miles: number[], s: typeof ANOMALY_SETTINGS): RobustCenter {
  const c = robustCenter(miles.length >= s.minCohortSize ? miles : []);
  return floorMad(c, Math.max(s.minMileageMad, s.minMileageMadRatio * (Number.isFinite(c.median) ? c.median : 0)));
}

/** Peers: the same model family and service class (patrol units run far more miles than civilians). */
function cohortKey(l: PeerListing, params: ArbitrageParams): string {
  return `${familyOf(l.make, l.model, params.valuation.modelFamilies).key}|${vehicleClass(l)}`;
}

/**
 * What cohort statistics and the duplicated-VIN check need of a peer listing: a few numbers per
 * listing, held in memory for a batch (`Peers`) or on disk for a streamed import (`PeerFile`).
 */
export interface PeerFeature {
  key: string;
  vin: string | null;
  cohort: string;
  year: number;
  logBid: number;
  mileage: number | null;
}

/**
 * The fields of a listing its peer feature is computed from: all a stored peer is read with (the
 * population read selects these columns, not whole rows with their descriptions).
 */
export type PeerListing = ListingCore & Pick<ListingInput, 'vehicle'> & { auctionEndsAt?: Date };

/**
 * A listing's peer feature as of `now`. Its VIN counts as held only while its auction is open: a
 * vehicle listed again after its auction ended unsold is a relisting, not the same vehicle on
 * sale twice, and flagging it buried the new lot under every unflagged one.
 */
export function peerFeature(l: PeerListing, params: ArbitrageParams, now: number): PeerFeature {
  const ended = l.auctionEndsAt !== undefined && l.auctionEndsAt.getTime() <= now;
  return {
    key: listingKey(l),
    vin: (!ended && l.vin) || null,
    cohort: cohortKey(l, params),
    year: l.year,
    logBid: logBid(l, params),
    mileage: l.mileage,
  };
}

/** A cohort's centre within the narrowest year window that has enough peers. */
export interface CohortCenter {
  bid: RobustCenter;
  miles: RobustCenter;
  window: number;
}

/** What a cohort's peers within a year window contribute to its centre. */
export interface CohortValues {
  logBids: number[];
  miles: number[];
}

/**
 * What anomaly detection asks of the listings a batch is compared with: held in memory for a
 * batch (`Peers`), or on disk for a streamed import's whole file (`PeerFile`).
 */
export interface PeerIndex {
  /**
   * For each VIN given, the keys of the peers holding it, in peer order, at most `limit` of them
   * (a VIN nobody holds may be absent). Asked once per batch: a disk index answers a whole batch
   * in one statement, where a lookup per listing cost a statement each (0.5 s of a 20,000-row import).
   */
  holdersOfEach(vins: readonly string[], limit: number): ReadonlyMap<string, readonly string[]>;
  /** The cohort's centre around `year`, or null when no window has enough peers. */
  cohortFor(cohort: string, year: number): CohortCenter | null;
}

/** Cohort centres, each computed once from the values an index hands over. */
export class CohortCenters {
  private readonly cache = new Map<string, { bid: RobustCenter; miles: RobustCenter } | null>();
  private readonly s: typeof ANOMALY_SETTINGS;
  constructor(
    private readonly values: (cohort: string, year: number, window: number) => CohortValues,
    settings: Partial<typeof ANOMALY_SETTINGS> = {},
  ) {
    this.s = { ...ANOMALY_SETTINGS, ...settings };
  }

  for(cohort: string, year: number): CohortCenter | null {
    for (const w of this.s.cohortYearWindows) {
      const key = `${cohort}|${year}|${w}`;
      let c = this.cache.get(key);
      if (c === undefined) {
        const v = this.values(cohort, year, w);
        c =
          v.logBids.length >= this.s.minCohortSize
            ? { bid: floorMad(robustCenter(v.logBids), this.s.minLogBidMad), miles: mileageCenter(v.miles, this.s) }
            : null;
        this.cache.set(key, c);
      }
      if (c) return { ...c, window: w };
    }
    return null;
  }
}

/** Every listing a batch is compared with, in memory: the live population and the batch itself. */
export class Peers implements PeerIndex {
  private readonly byVin = new Map<string, string[]>();
  private readonly byCohort = new Map<string, PeerFeature[]>();
  private readonly centers: CohortCenters;
  constructor(everyone: readonly PeerFeature[], settings: Partial<typeof ANOMALY_SETTINGS> = {}) {
    for (const f of everyone) {
      let list = this.byCohort.get(f.cohort);
      if (!list) this.byCohort.set(f.cohort, (list = []));
      list.push(f);
      if (!f.vin) continue;
      const holders = this.byVin.get(f.vin) ?? [];
      holders.push(f.key);
      this.byVin.set(f.vin, holders);
    }
    this.centers = new CohortCenters((cohort, year, w) => {
      const peers = (this.byCohort.get(cohort) ?? []).filter((p) => Math.abs(p.year - year) <= w);
      return { logBids: peers.map((p) => p.logBid), miles: peers.filter((p) => p.mileage !== null).map((p) => p.mileage as number) };
    }, settings);
  }

  holdersOfEach(vins: readonly string[], limit: number): ReadonlyMap<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const vin of vins) out.set(vin, (this.byVin.get(vin) ?? []).slice(0, limit));
    return out;
  }

  cohortFor(cohort: string, year: number): CohortCenter | null {
    return this.centers.for(cohort, year);
  }
}

/** Anomalies per listing key (`source` NUL `lotId`); listings without any are absent. */
export function detectAnomalies(batch: readonly ListingInput[], ctx: DetectorContext): Map<string, DetectedAnomaly[]> {
  const s = { ...ANOMALY_SETTINGS, ...ctx.settings };
  const nowYear = new Date(ctx.now).getUTCFullYear();
  let peers = ctx.peers;
  if (!peers) {
    const batchKeys = new Set(batch.map(listingKey));
    const everyone = [...ctx.population.filter((p) => !batchKeys.has(listingKey(p))), ...batch];
    peers = new Peers(
      everyone.map((l) => peerFeature(l, ctx.params, ctx.now)),
      s,
    );
  }
  const out = new Map<string, DetectedAnomaly[]>();
  // Four: the listing itself may be among them, and the detail names three others.
  const holdersByVin = peers.holdersOfEach([...new Set(batch.map((l) => l.vin).filter((v): v is string => !!v))], 4);

  for (const l of batch) {
    const found: DetectedAnomaly[] = [];
    const add = (kind: AnomalyKind, detail: string) => found.push({ kind, detail });
    const age = Math.max(0, nowYear - l.year);

    if (l.currentBidCents <= s.nominalBidCents) {
      add('nominal_bid', `bid ${dollars(l.currentBidCents)} on a ${l.year} vehicle (${age} years old) is a placeholder, not a price`);
    }
    if (l.mileage !== null && l.mileage > s.maxMilesPerYear * Math.max(1, age + 1)) {
      add('mileage_for_age', `${l.mileage} miles on a ${l.year} vehicle exceeds ${s.maxMilesPerYear} a year`);
    } else if (l.mileage !== null && l.mileage > s.maxPlausibleMiles) {
      add(
        'mileage_for_age',
        `${l.mileage} miles is beyond a light vehicle's service life (${s.maxPlausibleMiles}); likely an odometer typo`,
      );
    }
    if (l.sanitized?.length) {
      add(
        'text_sanitized',
        `stripped from the published text: ${l.sanitized.map((x) => x.replace(':', ' had ').replace('+', ' and ').replace('control_characters', 'control characters')).join('; ')} (the raw text is in provenance)`,
      );
    }
    if (l.vin && vinProblems(l.vin).length === 0) {
      const vy = vinModelYear(l.vin, l.year);
      if (vy !== null && vy !== l.year) add('vin_year_mismatch', `VIN ${l.vin} codes model year ${vy}, listing says ${l.year}`);
      const holders = (holdersByVin.get(l.vin) ?? []).filter((k) => k !== listingKey(l));
      if (holders.length) add('duplicate_vin', duplicateVinDetail(l.vin, holders));
    }
    if (l.auctionEndsAt.getTime() < ctx.now) add('auction_ended', `auction ended ${l.auctionEndsAt.toISOString()}`);

    const value = valueFromComps(l, ctx.comps(l), ctx.params, new Date(ctx.now));
    if (value && value.count >= s.minComps) {
      const mult = titleMultiplier(l.titleStatus, ctx.params);
      const high = value.highCents * mult;
      const est = value.estimateCents * mult;
      // Only the high side: a low bid is what every auction looks like on its first day.
      if (est >= s.minCompsValueCents && high > 0 && l.currentBidCents > high * s.bidAboveCompsHighFactor) {
        add(
          'price_vs_comps',
          `bid ${dollars(l.currentBidCents)} is over ${s.bidAboveCompsHighFactor}× the comps high of ${dollars(high)} (${value.count} comps)`,
        );
      }
    }

    // High side only: a low current bid is how every auction starts, and low mileage is what
    // buyers hope for; a bid or odometer far above the peers is a data error or a different vehicle.
    const cohort = peers.cohortFor(cohortKey(l, ctx.params), l.year);
    if (cohort) {
      const zb = modifiedZ(logBid(l, ctx.params), cohort.bid);
      if (zb !== null && zb > s.zThreshold && !found.some((f) => f.kind === 'nominal_bid' || f.kind === 'price_vs_comps')) {
        add(
          'bid_cohort_outlier',
          `bid ${dollars(l.currentBidCents)} has robust z ${zb.toFixed(1)} among ${cohort.bid.n} ${l.make} ${l.model} listings within ±${cohort.window} model years`,
        );
      }
      const zm = l.mileage === null ? null : modifiedZ(l.mileage, cohort.miles);
      if (zm !== null && zm > s.zThreshold && !found.some((f) => f.kind === 'mileage_for_age')) {
        add(
          'mileage_cohort_outlier',
          `${l.mileage} miles has robust z ${zm.toFixed(1)} among ${cohort.miles.n} peers within ±${cohort.window} model years`,
        );
      }
    }
    if (found.length) out.set(listingKey(l), found);
  }
  return out;
}
