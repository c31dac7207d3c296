// Year, make, model and trim from an auction lot title ("2014 FORD F150 4X4 PICKUP",
// "#2871 - 2012 Chevrolet Tahoe Police"), for sources whose structured fields are missing or
// absent (GSA has none). Unknown makes are not guessed: the lot becomes a reject with a reason.

// Canonical spelling by upper-case key; aliases map to the same spelling.
const MAKES: Record<string, string> = {};
for (const name of [
  'Acura',
  'Audi',
  'BMW',
  'Buick',
  'Cadillac',
  'Chevrolet',
  'Chrysler',
  'Dodge',
  'Fiat',
  'Ford',
  'Freightliner',
  'GMC',
  'Honda',
  'Hyundai',
  'Infiniti',
  'International',
  'Isuzu',
  'Jaguar',
  'Jeep',
  'Kia',
  'Land Rover',
  'Lexus',
  'Lincoln',
  'Mazda',
  'Mercedes-Benz',
  'Mercury',
  'Mini',
  'Mitsubishi',
  'Nissan',
  'Peterbilt',
  'Pontiac',
  'Porsche',
  'Ram',
  'Saturn',
  'Subaru',
  'Tesla',
  'Toyota',
  'Volkswagen',
  'Volvo',
  'Kenworth',
  'Mack',
  'Hino',
  'Alfa Romeo',
  'Genesis',
])
  MAKES[name.toUpperCase()] = name;
const ALIASES: Record<string, string> = {
  CHEVY: 'Chevrolet',
  VW: 'Volkswagen',
  MERCEDES: 'Mercedes-Benz',
  'MERCEDES BENZ': 'Mercedes-Benz',
  LANDROVER: 'Land Rover',
};

// Two-word model names that would otherwise lose their second word to the trim.
const TWO_WORD_MODELS = new Set([
  'GRAND CHEROKEE',
  'GRAND CARAVAN',
  'CROWN VICTORIA',
  'TOWN CAR',
  'GRAND MARQUIS',
  'TRANSIT CONNECT',
  'SANTA FE',
  'TOWN COUNTRY',
  'MODEL 3',
  'MODEL S',
  'MODEL X',
  'MODEL Y',
  'PROMASTER CITY',
  'GRAND VITARA',
]);
// Compact spellings some agencies use, normalised to the usual model name.
const MODEL_SPELLING: Record<string, string> = {
  F150: 'F-150',
  F250: 'F-250',
  F350: 'F-350',
  E350: 'E-350',
  E250: 'E-250',
  C1500: 'C1500',
};

/** "FORD" → "Ford", "chevy" → "Chevrolet"; null for a make the table does not know. */
export function canonicalMake(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const key = raw.trim().toUpperCase().replace(/\s+/g, ' ');
  return MAKES[key] ?? ALIASES[key] ?? null;
}

function tidyModel(word: string): string {
  const upper = word.toUpperCase();
  if (MODEL_SPELLING[upper]) return MODEL_SPELLING[upper]!;
  // All-caps government titles: "TAHOE" → "Tahoe", but keep codes like "F-150" or "CR-V" as written.
  return /^[A-Z]{4,}$/.test(word) ? word[0] + word.slice(1).toLowerCase() : word;
}

export interface TitleParts {
  year: number | null;
  make: string | null;
  model: string | null;
  trim: string | null;
}

export function parseVehicleTitle(title: string): TitleParts {
  const text = title
    .replace(/^#?\s*\d+\s*-\s*/, '')
    .replace(/[,;]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const words = text.split(' ');
  const yearAt = words.findIndex((w) => /^(19[5-9]\d|20\d{2})$/.test(w));
  const year = yearAt >= 0 ? Number(words[yearAt]) : null;
  const rest = yearAt >= 0 ? words.slice(yearAt + 1) : words;
  let make: string | null = null;
  let i = 0;
  for (const len of [2, 1]) {
    const m = canonicalMake(rest.slice(0, len).join(' '));
    if (m) {
      make = m;
      i = len;
      break;
    }
  }
  if (!make) return { year, make: null, model: null, trim: null };
  const two = rest
    .slice(i, i + 2)
    .join(' ')
    .toUpperCase()
    .replace(/&/g, '')
    .replace(/\s+/g, ' ');
  let model: string | null;
  if (rest.length >= i + 2 && TWO_WORD_MODELS.has(two)) {
    model = rest
      .slice(i, i + 2)
      .map(tidyModel)
      .join(' ');
    i += 2;
  } else {
    model = rest[i] ? tidyModel(rest[i]!) : null;
    i += 1;
  }
  const trim = rest.slice(i).join(' ').trim();
  return { year, make, model, trim: trim === '' ? null : trim };
}

const VEHICLE_WORDS = /\b(truck|pick-?up|sedan|suv|van|minivan|bus|car|vehicle|wagon|coupe|motorcycle|jeep|4x4|awd|4wd|cab)\b/i;

/**
 * For a lot whose make is not recognised: does it still look like a vehicle (a valid VIN in its
 * text, or a vehicle word in its title)? Such a lot is a reject worth reading; anything else is
 * simply not a vehicle (a generator, a desk) and is skipped.
 */
export function looksLikeVehicle(title: string | null, vin: string | null): boolean {
  return vin !== null || (title !== null && VEHICLE_WORDS.test(title));
}
