// Which vehicles are comparable: the same make and model family (sellers write "Police
// Interceptor Utility", dealers "Explorer"; "Dodge Ram 1500" and "Ram 1500" are one truck) and
// the same service class (a retired patrol car sells below the civilian car it is built on).
import type { VehicleAttributes } from '../types.js';

export type VehicleClass = 'police' | 'civilian';

// How sellers abbreviate or misspell makes, keyed by the squeezed spelling.
const MAKE_ALIASES: Record<string, string> = {
  chevy: 'chevrolet',
  chev: 'chevrolet',
  vw: 'volkswagen',
  volkswagon: 'volkswagen',
  mercedes: 'mercedesbenz',
  benz: 'mercedesbenz',
  mb: 'mercedesbenz',
  internationalharvester: 'international',
  navistar: 'international',
  ih: 'international',
};
// One brand under two names: Ram trucks were Dodge until 2010 and are still listed as "Dodge Ram".
const SAME_BRAND: ReadonlyArray<ReadonlySet<string>> = [new Set(['dodge', 'ram'])];

/** Lower-case letters and digits only, aliases resolved: "Chevy" → chevrolet, "Mercedes-Benz" → mercedesbenz. */
export function squeezeMake(make: string): string {
  const k = make.toLowerCase().replace(/[^a-z0-9]/g, '');
  return MAKE_ALIASES[k] ?? k;
}

export function sameBrand(a: string, b: string): boolean {
  const x = squeezeMake(a);
  const y = squeezeMake(b);
  return x === y || SAME_BRAND.some((s) => s.has(x) && s.has(y));
}

/** Every stored make spelling (matchKey form) that may hold comps for a listing's make. */
export function makeSpellings(make: string): string[] {
  const lower = make.trim().replace(/\s+/g, ' ').toLowerCase();
  const sq = squeezeMake(make);
  const brands = SAME_BRAND.find((s) => s.has(sq)) ?? new Set([sq]);
  const out = new Set([lower, ...brands]);
  for (const [alias, target] of Object.entries(MAKE_ALIASES)) if (brands.has(target)) out.add(alias);
  if (sq === 'mercedesbenz') out.add('mercedes-benz');
  return [...out];
}

const POLICE_WORDS = /(^|[^a-z0-9])(police|pursuit|ppv|interceptor|ssv|9c1|p71|piu|k-?9|patrol|special service|enforcer)([^a-z0-9]|$)/i;

/** Police / pursuit units by their model, trim or title, or by what the VIN decodes to. */
export function vehicleClass(v: {
  model: string;
  trim: string | null;
  title?: string | null;
  vehicle?: VehicleAttributes | null;
}): VehicleClass {
  const decoded = v.vehicle ? `${v.vehicle.trim ?? ''} ${v.vehicle.series ?? ''}` : '';
  return POLICE_WORDS.test(`${v.model} ${v.trim ?? ''} ${v.title ?? ''} ${decoded}`) ? 'police' : 'civilian';
}

// Words that name a package, drive or service use rather than the model itself.
const NOISE = new Set([
  'awd',
  '4wd',
  '2wd',
  '4x4',
  '4x2',
  'rwd',
  'fwd',
  'police',
  'pursuit',
  'ppv',
  'ssv',
  '9c1',
  'p71',
  'piu',
  'k9',
  'k-9',
  'package',
  'pkg',
  'special',
  'service',
  'vehicle',
  'unit',
  'enforcer',
  'patrol',
  // Trim, cab and body words: sellers write "F-150 XLT SuperCrew" where sales exports say "F-150".
  // (Trims that are different vehicles, such as Raptor or Transit Connect, are not here.)
  'xl',
  'xlt',
  'lariat',
  'platinum',
  'limited',
  'base',
  'lt',
  'ls',
  'ltz',
  'wt',
  'slt',
  'sle',
  'sxt',
  'se',
  'sel',
  'le',
  'xle',
  'crew',
  'cab',
  'supercrew',
  'supercab',
  'regular',
  'extended',
  'double',
  'quad',
  'pickup',
  'sedan',
  '4dr',
  '2dr',
]);

export interface Family {
  make: string;
  family: string;
  key: string;
}

const NO_ALIASES: Readonly<Record<string, string>> = Object.freeze({});

// Families already worked out, per alias table (the configuration's object, so a reloaded
// configuration starts afresh), then per make and model as written. An import asks for the
// family of every listing several times over (its peers, its comps, its anomaly cohort), and a
// feed has a few hundred make and model spellings: each answer was a lower-casing, two regular
// expressions, a split and a join. Over the benchmark file's pairs, 0.95–1.46 µs a call warm
// against 0.30–0.39 µs remembered. Nested maps: no key is built per call, and no separator
// character can make two spellings one.
interface KnownFamilies {
  byMake: Map<string, Map<string, Family>>;
  size: number;
}
const familyCache = new WeakMap<object, KnownFamilies>();
/** Spellings remembered per alias table before it starts afresh: far above any feed's, so a
 * serving process that meets free-typed models for months stays bounded. */
const FAMILY_CACHE_MAX = 20_000;

/**
 * The model family: make aliases resolved, package words dropped, then the configured aliases
 * ("police interceptor utility" → explorer). Keys look like `ford|explorer`. The answer is shared
 * between callers and frozen.
 */
export function familyOf(make: string, model: string, aliases: Readonly<Record<string, string>> = NO_ALIASES): Family {
  let known = familyCache.get(aliases);
  if (known === undefined) familyCache.set(aliases, (known = { byMake: new Map(), size: 0 }));
  let models = known.byMake.get(make);
  let family = models?.get(model);
  if (family === undefined) {
    if (known.size >= FAMILY_CACHE_MAX) {
      known.byMake.clear();
      known.size = 0;
      models = undefined;
    }
    if (models === undefined) known.byMake.set(make, (models = new Map<string, Family>()));
    models.set(model, (family = Object.freeze(workOutFamily(make, model, aliases))));
    known.size++;
  }
  return family;
}

function workOutFamily(make: string, model: string, aliases: Readonly<Record<string, string>>): Family {
  let mk = squeezeMake(make);
  let m = model
    .toLowerCase()
    .replace(/[^a-z0-9\- ]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && !NOISE.has(w))
    .join(' ');
  // "2500 HD" and "2500HD" are one model, however the seller spaced it.
  m = m.replace(/\b(\d{3,4}) hd\b/g, '$1hd');
  if (mk === 'dodge' && /^ram\b/.test(m)) {
    mk = 'ram';
    m = m.slice(3).trim();
  }
  if (mk === 'ram' && m.startsWith('ram ')) m = m.slice(4);
  const family = aliases[`${mk}|${m}`] ?? aliases[m] ?? m;
  return { make: mk, family, key: `${mk}|${family}` };
}
