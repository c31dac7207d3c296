// Faults injected into otherwise clean listings: the data errors, placeholders and tricks that
// real auction feeds carry. Each returns the labelled rows it made (a duplicate makes two).
import type { Generator } from './generator.js';
import { CATALOG } from './price-model.js';
import type { EvalListing } from './set-format.js';

export const FAULT_KINDS = [
  'odometer_typo',
  'nominal_bid',
  'absurd_bid',
  'future_year',
  'ancient_year',
  'bad_check_digit',
  'vin_other_make',
  'vin_year_mismatch',
  'duplicate_across_sources',
  'bad_date',
  'auction_ended',
  'bad_state_code',
  'zip_state_mismatch',
  'html_in_text',
  'control_chars',
  'price_above_value',
  'negative_mileage',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const STATE_CODES = ['TX', 'CA', 'FL', 'NY', 'OH', 'GA', 'AZ', 'WA', 'CO', 'IL', 'PA', 'NC'];
// Makes whose VINs the other's listings may carry without contradiction (Ram trucks were Dodge).
const SAME_BRAND = new Set(['Dodge|Ram', 'Ram|Dodge']);

function fault(l: EvalListing, kind: FaultKind): EvalListing {
  return { ...l, label: 'fault', kind };
}

export function injectFault(g: Generator, kind: FaultKind): EvalListing[] {
  const { listing, entry } = g.cleanListing();
  const r = listing.row;
  const year = Number(r.year);
  const ensureVin = () => {
    r.vin ??= g.vin(entry.vins[0]!.prefix, year);
    return r.vin as string;
  };
  switch (kind) {
    case 'odometer_typo': {
      // An extra zero typed into the odometer: 64,210 becomes 642,100.
      const base = Math.max(45_000, listing.truth.mileage ?? 60_000);
      r.mileage = base * 10;
      break;
    }
    case 'nominal_bid':
      r.current_bid = 1;
      break;
    case 'absurd_bid':
      r.current_bid = g.pick([999_999, 1_000_000, 999_999.99]);
      break;
    case 'future_year':
      r.year = g.refYear + g.int(2, 6);
      break;
    case 'ancient_year':
      r.year = g.int(1901, 1939);
      break;
    case 'bad_check_digit': {
      const vin = ensureVin();
      const wrong = [...'0123456789X'].filter((c) => c !== vin[8]);
      r.vin = vin.slice(0, 8) + g.pick(wrong) + vin.slice(9);
      break;
    }
    case 'vin_other_make': {
      const others = CATALOG.filter(
        (c) => c.make !== entry.make && !SAME_BRAND.has(`${c.make}|${entry.make}`) && !(r.make === 'Chevy' && c.make === 'Chevrolet'),
      );
      const other = g.pick(others);
      // Same model-year code as the listing, so only the make can give it away.
      r.vin = g.vin(g.pick(other.vins).prefix, year);
      break;
    }
    case 'vin_year_mismatch': {
      const vin = ensureVin();
      const shifted = g.vin(vin.slice(0, 8), year - g.int(2, 5));
      r.vin = shifted;
      break;
    }
    case 'duplicate_across_sources': {
      // The same vehicle listed by two sellers' platforms: both rows are the fault.
      const vin = ensureVin();
      const copy: EvalListing = JSON.parse(JSON.stringify(listing)) as EvalListing;
      const sources = ['GovDeals', 'PublicSurplus', 'GSA Auctions'].filter((s) => s !== r.source);
      copy.row.source = g.pick(sources);
      copy.row.lot_id = `${String(r.lot_id)}-X`;
      copy.row.vin = vin;
      copy.row.current_bid = Math.round(Number(r.current_bid) * g.between(0.9, 1.1));
      return [fault(listing, kind), fault(copy, kind)];
    }
    case 'bad_date':
      r.auction_end = g.pick(['2026-02-30T17:00:00Z', 'next Friday 5pm', '12/15/2026 17:00', '2026-13-01T10:00:00Z', '']);
      break;
    case 'auction_ended':
      r.auction_end = new Date(g.refMs - Math.round(g.between(2, 20) * 3_600_000)).toISOString();
      break;
    case 'bad_state_code':
      r.state = g.pick(['XX', 'Calif.', 'T X', 'ZZ', 'Texas']);
      break;
    case 'zip_state_mismatch': {
      if (r.zip === null) {
        const z = g.place();
        Object.assign(r, { zip: z.zip, city: z.city, state: z.state });
      }
      r.state = g.pick(STATE_CODES.filter((s) => s !== r.state));
      break;
    }
    case 'html_in_text':
      if (g.chance(0.5)) r.title = `<b>${String(r.title)}</b> <font color="red">NO RESERVE</font>`;
      else
        r.description = `${String(r.description)}<br><script>document.location='https://example.invalid/'</script><p onclick="x()">Call us</p>`;
      break;
    case 'control_chars':
      if (g.chance(0.5)) r.title = `${String(r.title)}\u0007\u0008`;
      else r.description = `${String(r.description)}\u0000\u001b[31m`;
      break;
    case 'price_above_value':
      r.current_bid = Math.round(((listing.truth.priceCents ?? 1_000_000) / 100) * g.between(3, 6));
      break;
    case 'negative_mileage':
      r.mileage = -Math.abs(listing.truth.mileage ?? 50_000);
      break;
    default:
      throw new Error(`unknown fault kind ${String(kind)}`);
  }
  return [fault(listing, kind)];
}
