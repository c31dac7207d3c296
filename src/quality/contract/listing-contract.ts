// The versioned listing data contract (ENABLE_SCHEMA_VALIDATION): every rule a listing must pass
// before it may be published, as code and as a document clients read at /api/contracts/listing.
// Bump the version whenever a rule is added, removed or tightened.
import { US_STATE_CODES } from '../../common/geo.js';
import type { ListingInput } from '../../opportunities/index.js';
import { vinModelYear, vinProblems } from '../vin.js';
import type { VinDecode } from '../vin-decoding/decoder.js';
import { makeContradiction } from '../vin-decoding/make-match.js';
import { statesForZip } from './zip-states.js';

export const LISTING_CONTRACT_VERSION = '1.1.0';

const DAY_MS = 86_400_000;
/** Limits as data, so the published document and the checks can never disagree. */
export const CONTRACT_LIMITS = {
  minModelYear: 1950,
  maxMileage: 999_999,
  maxBidCents: 25_000_000,
  maxBuyerPremiumPct: 25,
  maxDocFeeCents: 150_000,
  maxLotIdLength: 64,
  maxTextLength: 300,
  /** An auction that ended longer ago than this is not a live listing any more. */
  endedGraceMs: DAY_MS,
  /** Public auctions run for days or weeks; half a year out is a date error. */
  maxEndAheadMs: 180 * DAY_MS,
} as const;

export type RuleKind = 'type' | 'range' | 'format' | 'cross_field';

export interface ContractRule {
  id: string;
  kind: RuleKind;
  fields: string[];
  description: string;
}

export interface Violation {
  rule: string;
  field: string;
  message: string;
}

export interface ContractContext {
  /** Validation time: the auction-end window is relative to it. */
  now: number;
  /** What the batch's VINs decode to (NHTSA vPIC); without it the make rule cannot apply. */
  vinDecodes?: ReadonlyMap<string, VinDecode>;
}

type Check = (l: ListingInput, ctx: ContractContext) => string | null;

const L = CONTRACT_LIMITS;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const text = (v: unknown, max: number): string | null =>
  typeof v !== 'string' || v.trim() === '' ? 'must be non-empty text' : v.length > max ? `is longer than ${max} characters` : null;

const RULES: Array<ContractRule & { check: Check }> = [
  {
    id: 'source.format',
    kind: 'format',
    fields: ['source'],
    description: 'lower-case source key, 2–40 letters or digits',
    check: (l) =>
      typeof l.source === 'string' && /^[a-z0-9]{2,40}$/.test(l.source) ? null : `source ${JSON.stringify(l.source)} is not a source key`,
  },
  {
    id: 'lot_id.format',
    kind: 'format',
    fields: ['lotId'],
    description: `non-empty, at most ${L.maxLotIdLength} characters of A–Z a–z 0–9 . _ : / # -`,
    check: (l) =>
      typeof l.lotId === 'string' && l.lotId.length <= L.maxLotIdLength && /^[A-Za-z0-9._:/#-]+$/.test(l.lotId)
        ? null
        : `lot id ${JSON.stringify(l.lotId)} is malformed`,
  },
  {
    id: 'title.present',
    kind: 'type',
    fields: ['title'],
    description: `non-empty text, at most ${L.maxTextLength} characters`,
    check: (l) => {
      const p = text(l.title, L.maxTextLength);
      return p && `title ${p}`;
    },
  },
  {
    id: 'make_model.present',
    kind: 'type',
    fields: ['make', 'model'],
    description: 'make and model are non-empty text, at most 64 characters',
    check: (l) => {
      const p = text(l.make, 64) ?? text(l.model, 64);
      return p && `make/model ${p}`;
    },
  },
  {
    id: 'year.range',
    kind: 'range',
    fields: ['year'],
    description: `integer model year from ${L.minModelYear} to next year`,
    check: (l, c) => {
      const max = new Date(c.now).getUTCFullYear() + 1;
      return isInt(l.year) && l.year >= L.minModelYear && l.year <= max ? null : `year ${l.year} is outside ${L.minModelYear}–${max}`;
    },
  },
  {
    id: 'mileage.range',
    kind: 'range',
    fields: ['mileage'],
    description: `absent, or whole miles 0–${L.maxMileage}`,
    check: (l) =>
      l.mileage === null || (isInt(l.mileage) && l.mileage >= 0 && l.mileage <= L.maxMileage)
        ? null
        : `mileage ${l.mileage} is outside 0–${L.maxMileage}`,
  },
  {
    id: 'current_bid.range',
    kind: 'range',
    fields: ['currentBid'],
    description: `whole cents, $0–$${L.maxBidCents / 100}: the plausible range of a public-auction vehicle bid`,
    check: (l) =>
      isInt(l.currentBidCents) && l.currentBidCents >= 0 && l.currentBidCents <= L.maxBidCents
        ? null
        : `current bid ${l.currentBidCents} cents is outside $0–$${L.maxBidCents / 100}`,
  },
  {
    id: 'buyer_premium.range',
    kind: 'range',
    fields: ['buyerPremiumPct'],
    description: `absent, or 0–${L.maxBuyerPremiumPct} %`,
    check: (l) =>
      l.buyerPremiumPct === null ||
      (Number.isFinite(l.buyerPremiumPct) && l.buyerPremiumPct >= 0 && l.buyerPremiumPct <= L.maxBuyerPremiumPct)
        ? null
        : `buyer's premium ${l.buyerPremiumPct} % is outside 0–${L.maxBuyerPremiumPct} %`,
  },
  {
    id: 'doc_fee.range',
    kind: 'range',
    fields: ['docFeeCents'],
    description: `absent, or $0–$${L.maxDocFeeCents / 100}`,
    check: (l) =>
      l.docFeeCents === null || (isInt(l.docFeeCents) && l.docFeeCents >= 0 && l.docFeeCents <= L.maxDocFeeCents)
        ? null
        : `doc fee ${l.docFeeCents} cents is outside $0–$${L.maxDocFeeCents / 100}`,
  },
  {
    id: 'state.code',
    kind: 'format',
    fields: ['state'],
    description: 'two-letter US state, DC or territory code',
    check: (l) => (US_STATE_CODES.has(l.state) ? null : `state ${JSON.stringify(l.state)} is not a US state code`),
  },
  {
    id: 'zip.format',
    kind: 'format',
    fields: ['zip'],
    description: 'absent, or five digits',
    check: (l) => (l.zip === null || /^\d{5}$/.test(l.zip) ? null : `zip ${JSON.stringify(l.zip)} is not five digits`),
  },
  {
    id: 'listing_url.format',
    kind: 'format',
    fields: ['listingUrl'],
    description: 'absent, or an http(s) URL',
    check: (l) => {
      if (l.listingUrl === null) return null;
      try {
        const p = new URL(l.listingUrl).protocol;
        return p === 'http:' || p === 'https:' ? null : `listing URL scheme ${p} is not http(s)`;
      } catch {
        return 'listing URL is not a URL';
      }
    },
  },
  {
    id: 'coordinates.range',
    kind: 'range',
    fields: ['latitude', 'longitude'],
    description: 'both absent, or latitude −90…90 and longitude −180…180',
    check: (l) => {
      const lat = l.latitude ?? null;
      const lon = l.longitude ?? null;
      if (lat === null && lon === null) return null;
      if (lat === null || lon === null) return 'only one of latitude/longitude is given';
      return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? null : `coordinates ${lat},${lon} are out of range`;
    },
  },
  {
    id: 'auction_end.window',
    kind: 'range',
    fields: ['auctionEndsAt'],
    description: `a valid time, no more than ${L.endedGraceMs / DAY_MS} day in the past and ${L.maxEndAheadMs / DAY_MS} days ahead of validation`,
    check: (l, c) => {
      const t = l.auctionEndsAt instanceof Date ? l.auctionEndsAt.getTime() : Number.NaN;
      if (!Number.isFinite(t)) return 'auction end is not a valid time';
      if (t < c.now - L.endedGraceMs)
        return `auction ended ${new Date(t).toISOString()}, before ${new Date(c.now - L.endedGraceMs).toISOString()}`;
      if (t > c.now + L.maxEndAheadMs)
        return `auction end ${new Date(t).toISOString()} is more than ${L.maxEndAheadMs / DAY_MS} days ahead`;
      return null;
    },
  },
  {
    id: 'vin.check_digit',
    kind: 'format',
    fields: ['vin'],
    description: 'absent, or 17 VIN characters (no I, O, Q) with a correct position-9 check digit',
    check: (l) => {
      if (l.vin === null) return null;
      const p = vinProblems(l.vin);
      return p.length ? `VIN ${l.vin}: ${p.join('; ')}` : null;
    },
  },
  {
    id: 'vin.model_year',
    kind: 'cross_field',
    fields: ['vin', 'year'],
    description: 'the model year coded in VIN position 10 equals the stated year',
    check: (l) => {
      if (l.vin === null || vinProblems(l.vin).length) return null;
      const y = vinModelYear(l.vin, l.year);
      return y === null || y === l.year ? null : `VIN codes model year ${y}, listing says ${l.year}`;
    },
  },
  {
    id: 'vin.make',
    kind: 'cross_field',
    fields: ['vin', 'make'],
    description:
      'the make agrees with the manufacturer and make the VIN was issued for (NHTSA vPIC; chassis VINs of buses and incomplete vehicles exempt)',
    check: (l, c) => {
      if (l.vin === null || vinProblems(l.vin).length) return null;
      const d = c.vinDecodes?.get(l.vin.toUpperCase());
      return d ? makeContradiction(l.make, d) : null;
    },
  },
  {
    id: 'zip.state',
    kind: 'cross_field',
    fields: ['zip', 'state'],
    description: 'the ZIP code lies in the stated state',
    check: (l) => {
      if (l.zip === null || !/^\d{5}$/.test(l.zip)) return null;
      const states = statesForZip(l.zip);
      if (states.size === 0) return `zip ${l.zip} is not an assigned civilian ZIP prefix`;
      return states.has(l.state) ? null : `zip ${l.zip} is in ${[...states].join('/')}, listing says ${l.state}`;
    },
  },
];

/** Every rule the listing breaks; empty when it complies. */
export function validateListing(l: ListingInput, ctx: ContractContext): Violation[] {
  const out: Violation[] = [];
  for (const r of RULES) {
    let message: string | null;
    try {
      message = r.check(l, ctx);
    } catch (err) {
      // A value of the wrong type can make a check throw; that is itself a violation.
      message = `cannot be checked: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (message) out.push({ rule: r.id, field: r.fields.join(','), message });
  }
  return out;
}

/** Ids of the rules comparing fields with each other: the consistency dimension uses them. */
export const CROSS_FIELD_RULES: ReadonlySet<string> = new Set(RULES.filter((r) => r.kind === 'cross_field').map((r) => r.id));

/** The published contract: what /api/contracts/listing serves. */
export function listingContractDocument() {
  return {
    name: 'listing',
    version: LISTING_CONTRACT_VERSION,
    description: 'Rules every auction listing must pass before it is published; non-compliant records are quarantined with their reasons.',
    limits: CONTRACT_LIMITS,
    rules: RULES.map(({ id, kind, fields, description }) => ({ id, kind, fields, description })),
  };
}
