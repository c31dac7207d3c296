// A dealer's profile as the API shows and takes it, and the checks on every field: bad input is
// refused naming the field, so nothing half-valid is ever stored.
import { zipLocation } from '../common/geo.js';
import { DEFAULT_TARGET_PROFIT_CENTS, DEFAULT_TARGET_ROI_BP } from '../opportunities/index.js';
import type { DealersTable } from './tables.js';

export interface DealerProfile {
  id: number;
  name: string;
  zip: string;
  state: string;
  /** dollars */
  targetProfit: number;
  /** percent */
  targetRoi: number;
  maxMiles: number | null;
  /** dollars; null uses the engine's recon reserve */
  reconPerVehicle: number | null;
  email: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  revoked: boolean;
}

/** What the engine needs of a dealer, in cents and basis points. */
export interface Dealer {
  id: number;
  version: number;
  zip: string;
  state: string;
  targetProfitCents: number;
  targetRoiBp: number;
  maxMiles: number | null;
  reconCents: number | null;
  email: string | null;
  name: string;
}

export interface FieldError {
  field: string;
  message: string;
}

export class ProfileError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`Invalid field(s): ${errors.map((e) => e.field).join(', ')}`);
  }
}

export interface ProfileChanges {
  name?: string;
  zip?: string;
  state?: string;
  targetProfitCents?: number;
  targetRoiBp?: number;
  maxMiles?: number | null;
  reconCents?: number | null;
  email?: string | null;
}

const FIELDS = ['name', 'zip', 'targetProfit', 'targetRoi', 'maxMiles', 'reconPerVehicle', 'email'] as const;
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
const MAX_DOLLARS = 10_000_000;
const cents = (dollars: number) => Math.round(dollars * 100);
// Money is kept in whole cents and ROI in hundredths of a percent: a finer value would be stored
// as something other than what was sent, so it is refused rather than rounded without a word.
const finerThanHundredths = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) > 1e-6;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks a create (`required` names what must be present) or a PATCH body. Numbers may come as
 * JSON numbers or, from forms and the CLI, as numeric strings; an empty string clears an optional field.
 */
export function parseProfile(body: unknown, required: readonly string[]): ProfileChanges {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ProfileError([{ field: 'body', message: 'must be a JSON object' }]);
  const raw = body as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!(FIELDS as readonly string[]).includes(key)) fail(key, 'unknown field');
  for (const key of required) if (raw[key] === undefined || raw[key] === '') fail(key, 'is required');
  const out: ProfileChanges = {};
  const num = (key: string): number | null | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (v === null || v === '') return null;
    if (isNumber(v)) return v;
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
    fail(key, 'must be a number');
    return undefined;
  };

  if (typeof raw.name === 'string') {
    if (raw.name.trim().length < 1 || raw.name.length > 100 || /[\u0000-\u001f\u007f]/.test(raw.name))
      fail('name', 'must be 1–100 printable characters');
    else out.name = raw.name.trim();
  } else if (raw.name !== undefined) fail('name', 'must be a string');

  if (typeof raw.zip === 'string') {
    const where = zipLocation(raw.zip.trim());
    if (!where) fail('zip', 'must be a five-digit US ZIP code that exists');
    else {
      out.zip = raw.zip.trim();
      out.state = where.state;
    }
  } else if (raw.zip !== undefined) fail('zip', 'must be a string of five digits');

  const profit = num('targetProfit');
  if (profit === null) fail('targetProfit', 'cannot be cleared');
  else if (profit !== undefined) {
    if (profit < 0 || profit > MAX_DOLLARS) fail('targetProfit', `must be 0–${MAX_DOLLARS} dollars`);
    else if (finerThanHundredths(profit)) fail('targetProfit', 'must be in whole cents');
    else out.targetProfitCents = cents(profit);
  }
  const roi = num('targetRoi');
  if (roi === null) fail('targetRoi', 'cannot be cleared');
  else if (roi !== undefined) {
    if (roi < 0 || roi > 1000) fail('targetRoi', 'must be 0–1000 percent');
    else if (finerThanHundredths(roi)) fail('targetRoi', 'must be in hundredths of a percent at most (e.g. 12.25)');
    else out.targetRoiBp = Math.round(roi * 100);
  }
  const miles = num('maxMiles');
  if (miles !== undefined) {
    if (miles !== null && (!Number.isInteger(miles) || miles < 1 || miles > 10_000))
      fail('maxMiles', 'must be an integer 1–10000 (or null for no limit)');
    else out.maxMiles = miles;
  }
  const recon = num('reconPerVehicle');
  if (recon !== undefined) {
    if (recon !== null && (recon < 0 || recon > 1_000_000)) fail('reconPerVehicle', 'must be 0–1000000 dollars (or null for the default)');
    else if (recon !== null && finerThanHundredths(recon)) fail('reconPerVehicle', 'must be in whole cents');
    else out.reconCents = recon === null ? null : cents(recon);
  }
  if (raw.email !== undefined) {
    if (raw.email === null || raw.email === '') out.email = null;
    else if (typeof raw.email !== 'string' || raw.email.length > 254 || !EMAIL.test(raw.email.trim()))
      fail('email', 'must be an e-mail address');
    else out.email = raw.email.trim();
  }
  if (errors.length) throw new ProfileError(errors);
  return out;
}

type DealerRow = { [K in keyof DealersTable]: K extends 'id' ? number : DealersTable[K] };

export function dealerOf(r: DealerRow): Dealer {
  return {
    id: Number(r.id),
    version: Number(r.version),
    zip: r.zip,
    state: r.state,
    name: r.name,
    targetProfitCents: Number(r.target_profit_cents),
    targetRoiBp: Number(r.target_roi_bp),
    maxMiles: r.max_miles === null ? null : Number(r.max_miles),
    reconCents: r.recon_cents === null ? null : Number(r.recon_cents),
    email: r.email,
  };
}

export function profileOf(r: DealerRow): DealerProfile {
  return {
    id: Number(r.id),
    name: r.name,
    zip: r.zip,
    state: r.state,
    targetProfit: Number(r.target_profit_cents) / 100,
    targetRoi: Number(r.target_roi_bp) / 100,
    maxMiles: r.max_miles === null ? null : Number(r.max_miles),
    reconPerVehicle: r.recon_cents === null ? null : Number(r.recon_cents) / 100,
    email: r.email,
    version: Number(r.version),
    createdAt: new Date(Number(r.created_at)).toISOString(),
    updatedAt: new Date(Number(r.updated_at)).toISOString(),
    revoked: r.revoked_at !== null,
  };
}

export const DEFAULTS = { targetProfitCents: DEFAULT_TARGET_PROFIT_CENTS, targetRoiBp: DEFAULT_TARGET_ROI_BP };
export type { DealerRow };
