// Scores what the service made of an evaluation set against the set's truth. Money checks are
// recomputed here from the listing and the configuration with integer arithmetic of their own,
// not with the engine's helpers, so a rounding or counting slip in the engine shows up.
import type { ArbitrageParams } from '../src/config/arbitrage.js';
import type { Opportunity } from '../src/opportunities/api-schema.js';
import type { EvalListing, EvalSet } from './set-format.js';

export type Outcome =
  | { kind: 'rejected'; reason: string }
  | { kind: 'quarantined'; reasons: string[] }
  | { kind: 'published'; opportunity: Opportunity; flags: string[] };

export interface Targets {
  cleanMedianErrorPct: number;
  highMileageMedianErrorPct: number;
  lowestEstimateShare: number;
  recall: number;
  falsePositiveRate: number;
  transportWithinPct: number;
}

export const TARGETS: Targets = {
  cleanMedianErrorPct: 5,
  highMileageMedianErrorPct: 8,
  lowestEstimateShare: 0.25,
  recall: 0.95,
  falsePositiveRate: 0.005,
  transportWithinPct: 15,
};

export interface EvalReport {
  listings: number;
  clean: number;
  faulty: number;
  published: number;
  valuation: {
    cleanTitles: { n: number; medianErrorPct: number | null };
    over150k: { n: number; medianErrorPct: number | null; underValued: number };
    police: { n: number; medianErrorPct: number | null };
    lowestShare: { share: number | null; lotId: string | null };
  };
  faults: {
    recall: number;
    detected: number;
    injected: number;
    byKind: Record<string, { injected: number; detected: number }>;
    missed: Array<{ lotId: string; kind: string }>;
  };
  falsePositives: { rate: number; count: number; clean: number; details: Array<{ lotId: string; why: string }> };
  otherMakeVins: { injected: number; caught: number };
  arithmetic: { checked: number; differences: number; examples: string[] };
  transport: { checked: number; within: number; worstPct: number | null; examples: string[] };
}

const EARTH_RADIUS_MI = 3958.8;
const ROAD_FACTOR = 1.2;

function greatCircle(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * EARTH_RADIUS_MI * Math.asin(Math.min(1, Math.sqrt(a)));
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const cents = (dollars: number): bigint => BigInt(Math.round(dollars * 100));

/** a / b rounded half away from zero, for b > 0. */
function divRound(a: bigint, b: bigint): bigint {
  const neg = a < 0n;
  const q = ((neg ? -a : a) * 2n + b) / (2n * b);
  return neg ? -q : q;
}

function sourceKey(raw: unknown): string {
  const k = String(raw ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  return ({ gsaauctions: 'gsa', publicsurpluscom: 'publicsurplus', govdealscom: 'govdeals' } as Record<string, string>)[k] ?? k;
}

/** Every money figure of one published opportunity recomputed from its listing and the config. */
function arithmeticProblems(l: EvalListing, o: Opportunity, params: ArbitrageParams): string[] {
  const out: string[] = [];
  const bid = cents(Number(l.row.current_bid));
  if (bid !== cents(o.currentBid)) out.push(`bid ${o.currentBid} ≠ listed ${String(l.row.current_bid)}`);
  const row = params.fees.sources[sourceKey(l.row.source)] ?? params.fees.sources[params.fees.unknownSourceFallback]!;
  const stated = l.row.buyer_premium_pct;
  const rule = row.buyerPremium;
  const tiers = stated === null || stated === undefined || stated === '' ? rule.tiers : [{ upToCents: null, pct: Number(stated) }];
  // Marginal tiers: each percentage of the part of the bid inside its tier, rounded once.
  let bpCents = 0n;
  let from = 0n;
  for (const t of tiers) {
    const to = t.upToCents === null || BigInt(t.upToCents) > bid ? bid : BigInt(t.upToCents);
    if (to > from) {
      bpCents += (to - from) * BigInt(Math.round(t.pct * 100));
      from = to;
    }
  }
  let premium = divRound(bpCents, 10_000n);
  if (premium < BigInt(rule.minimumCents)) premium = BigInt(rule.minimumCents);
  if (rule.capCents !== null && premium > BigInt(rule.capCents)) premium = BigInt(rule.capCents);
  const docFee =
    l.row.doc_fee === null || l.row.doc_fee === undefined || l.row.doc_fee === '' ? BigInt(row.docFeeCents) : cents(Number(l.row.doc_fee));
  const transport = cents(o.costs.transport);
  const recon = cents(o.costs.recon);
  const total = bid + premium + docFee + transport + recon;
  const estimate = cents(o.estimatedSalePrice);
  const profit = estimate - total;
  const check = (name: string, got: bigint, want: bigint) => {
    if (got !== want) out.push(`${name} ${Number(got) / 100} ≠ ${Number(want) / 100}`);
  };
  check('buyer premium', cents(o.costs.buyerPremium), premium);
  check('doc fee', cents(o.costs.docFee), docFee);
  check('total cost', cents(o.costs.total), total);
  check('profit', cents(o.profit), profit);
  if (total > 0n) check('roi (bp)', BigInt(Math.round(o.roi * 100)), divRound(profit * 10_000n, total));
  if (estimate > 0n) check('margin (bp)', BigInt(Math.round(o.margin * 100)), divRound(profit * 10_000n, estimate));
  const minRecon = BigInt(params.recon.baseCents);
  if (recon !== minRecon && recon !== minRecon + BigInt(params.recon.fleetSurchargeCents))
    out.push(`recon ${o.costs.recon} is neither the base reserve nor base + fleet surcharge`);
  return out;
}

/** Road miles the engine charged for: published when the API shows them, else read back from the band rates. */
function chargedMiles(o: Opportunity, params: ArbitrageParams): number | null {
  const shown = (o.costs as { transportMiles?: number }).transportMiles;
  if (typeof shown === 'number') return shown;
  const c = Math.round(o.costs.transport * 100);
  if (c <= params.transport.minimumCents) return null;
  let lo = 0;
  for (const b of params.transport.bands) {
    const m = c / b.rateCentsPerMile;
    if (m > lo && (b.maxMiles === null || m <= b.maxMiles + 0.5)) return m;
    lo = b.maxMiles ?? lo;
  }
  return null;
}

export function measure(set: EvalSet, outcomes: Outcome[], params: ArbitrageParams): EvalReport {
  const clean = set.listings.filter((l) => l.label === 'clean');
  const cleanErr: number[] = [];
  const highErr: number[] = [];
  const policeErr: number[] = [];
  let under = 0;
  let lowest = null as { share: number; lotId: string } | null;
  const byKind: EvalReport['faults']['byKind'] = {};
  const missed: EvalReport['faults']['missed'] = [];
  const fps: EvalReport['falsePositives']['details'] = [];
  const arithmetic: EvalReport['arithmetic'] = { checked: 0, differences: 0, examples: [] };
  const transport: EvalReport['transport'] = { checked: 0, within: 0, worstPct: null, examples: [] };
  let detected = 0;
  let otherMake = 0;
  let otherMakeCaught = 0;
  let published = 0;
  const dealer = set.dealer;
  const minChargeMiles = params.transport.minimumCents / params.transport.bands[0]!.rateCentsPerMile;

  set.listings.forEach((l, i) => {
    const o = outcomes[i]!;
    const lotId = String(l.row.lot_id);
    const caught = o.kind !== 'published' || o.flags.length > 0;
    if (l.label === 'fault') {
      const k = (byKind[l.kind!] ??= { injected: 0, detected: 0 });
      k.injected++;
      if (caught) {
        k.detected++;
        detected++;
      } else missed.push({ lotId, kind: l.kind! });
      if (l.kind === 'vin_other_make') {
        otherMake++;
        if (caught) otherMakeCaught++;
      }
    } else if (caught) {
      fps.push({
        lotId,
        why:
          o.kind === 'rejected'
            ? `rejected: ${o.reason}`
            : o.kind === 'quarantined'
              ? `quarantined: ${o.reasons.join('; ')}`
              : `flagged: ${o.flags.join(', ')}`,
      });
    }
    if (o.kind !== 'published') return;
    published++;
    const opp = o.opportunity;
    const problems = arithmeticProblems(l, opp, params);
    arithmetic.checked++;
    if (problems.length) {
      arithmetic.differences++;
      if (arithmetic.examples.length < 5) arithmetic.examples.push(`${lotId}: ${problems.join('; ')}`);
    }
    if (l.label !== 'clean' || l.truth.priceCents === null) return;
    const truth = l.truth.priceCents / 100;
    const err = (Math.abs(opp.estimatedSalePrice - truth) / truth) * 100;
    if (l.truth.titleStatus === 'clean') {
      cleanErr.push(err);
      if ((l.truth.mileage ?? 0) > 150_000) {
        highErr.push(err);
        if (opp.estimatedSalePrice < truth) under++;
      }
      if (l.truth.cls === 'police') policeErr.push(err);
    }
    const share = opp.estimatedSalePrice / truth;
    if (!lowest || share < lowest.share) lowest = { share, lotId };
    if (l.truth.latitude !== null && l.truth.longitude !== null && l.row.zip) {
      const expected = greatCircle(l.truth.latitude, l.truth.longitude, dealer.latitude, dealer.longitude) * ROAD_FACTOR;
      const got = chargedMiles(opp, params);
      transport.checked++;
      // Below the minimum charge the distance does not change the cost.
      const bothMinimum = expected <= minChargeMiles && (got === null || got <= minChargeMiles);
      if (bothMinimum || (got !== null && Math.abs(got - expected) <= (TARGETS.transportWithinPct / 100) * Math.max(expected, 1)))
        transport.within++;
      else if (transport.examples.length < 5)
        transport.examples.push(
          `${lotId} (${String(l.row.state)} ${String(l.row.zip)}): charged ${got === null ? 'the minimum' : `${Math.round(got)} mi`}, ZIP estimate ${Math.round(expected)} mi`,
        );
      if (got !== null) {
        const pct = (Math.abs(got - expected) / Math.max(expected, 1)) * 100;
        if (transport.worstPct === null || pct > transport.worstPct) transport.worstPct = pct;
      }
    }
  });
  const faults = set.listings.length - clean.length;
  return {
    listings: set.listings.length,
    clean: clean.length,
    faulty: faults,
    published,
    valuation: {
      cleanTitles: { n: cleanErr.length, medianErrorPct: median(cleanErr) },
      over150k: { n: highErr.length, medianErrorPct: median(highErr), underValued: under },
      police: { n: policeErr.length, medianErrorPct: median(policeErr) },
      lowestShare: { share: lowest?.share ?? null, lotId: lowest?.lotId ?? null },
    },
    faults: { recall: faults ? detected / faults : 1, detected, injected: faults, byKind, missed },
    falsePositives: { rate: clean.length ? fps.length / clean.length : 0, count: fps.length, clean: clean.length, details: fps },
    otherMakeVins: { injected: otherMake, caught: otherMakeCaught },
    arithmetic,
    transport,
  };
}

/** The report as the table `npm run eval` prints. */
export function formatReport(r: EvalReport, setName: string): string {
  const pct = (v: number | null, d = 1) => (v === null ? 'n/a' : `${v.toFixed(d)} %`);
  const mark = (ok: boolean) => (ok ? 'ok' : 'MISS');
  const v = r.valuation;
  const t = TARGETS;
  const rows: Array<[string, string, string, boolean]> = [
    [
      'valuation median |error|, clean titles',
      `${pct(v.cleanTitles.medianErrorPct)} (n=${v.cleanTitles.n})`,
      `≤ ${t.cleanMedianErrorPct} %`,
      (v.cleanTitles.medianErrorPct ?? Infinity) <= t.cleanMedianErrorPct,
    ],
    [
      'valuation median |error|, over 150k miles',
      `${pct(v.over150k.medianErrorPct)} (n=${v.over150k.n}, ${v.over150k.underValued} under)`,
      `≤ ${t.highMileageMedianErrorPct} %`,
      (v.over150k.medianErrorPct ?? Infinity) <= t.highMileageMedianErrorPct,
    ],
    ['  police / pursuit units (information)', `${pct(v.police.medianErrorPct)} (n=${v.police.n})`, '', true],
    [
      'lowest estimate ÷ true price',
      v.lowestShare.share === null ? 'n/a' : `${(v.lowestShare.share * 100).toFixed(1)} % (${v.lowestShare.lotId})`,
      `≥ ${t.lowestEstimateShare * 100} %`,
      (v.lowestShare.share ?? 0) >= t.lowestEstimateShare,
    ],
    [
      'fault recall',
      `${(r.faults.recall * 100).toFixed(1)} % (${r.faults.detected}/${r.faults.injected})`,
      `≥ ${t.recall * 100} %`,
      r.faults.recall >= t.recall,
    ],
    [
      'false positives ÷ clean rows',
      `${pct(r.falsePositives.rate * 100, 2)} (${r.falsePositives.count}/${r.falsePositives.clean})`,
      `≤ ${t.falsePositiveRate * 100} %`,
      r.falsePositives.rate <= t.falsePositiveRate,
    ],
    [
      'VINs of another make caught',
      `${r.otherMakeVins.caught}/${r.otherMakeVins.injected}`,
      'all',
      r.otherMakeVins.caught === r.otherMakeVins.injected,
    ],
    ['arithmetic differences (to the cent)', `${r.arithmetic.differences} of ${r.arithmetic.checked}`, '0', r.arithmetic.differences === 0],
    [
      'transport within 15 % of ZIP great-circle × 1.2',
      `${r.transport.within}/${r.transport.checked} (worst ${pct(r.transport.worstPct)})`,
      'all',
      r.transport.within === r.transport.checked,
    ],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const lines = [
    `evaluation set ${setName}: ${r.listings} listings (${r.clean} clean, ${r.faulty} with faults), ${r.published} published`,
    '',
  ];
  lines.push(`${'metric'.padEnd(w0)}  ${'result'.padEnd(w1)}  target    `);
  for (const [a, b, c, ok] of rows) lines.push(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c.padEnd(8)}  ${c ? mark(ok) : ''}`);
  lines.push(
    '',
    'faults by kind (detected/injected): ' +
      Object.entries(r.faults.byKind)
        .map(([k, x]) => `${k} ${x.detected}/${x.injected}`)
        .join(', '),
  );
  if (r.faults.missed.length)
    lines.push(
      `missed: ${r.faults.missed
        .slice(0, 12)
        .map((m) => `${m.lotId} (${m.kind})`)
        .join(', ')}${r.faults.missed.length > 12 ? ' …' : ''}`,
    );
  for (const d of r.falsePositives.details.slice(0, 8)) lines.push(`false positive ${d.lotId}: ${d.why}`);
  for (const e of r.arithmetic.examples) lines.push(`arithmetic ${e}`);
  for (const e of r.transport.examples) lines.push(`transport ${e}`);
  return lines.join('\n');
}

export function meetsTargets(r: EvalReport): boolean {
  const v = r.valuation;
  return (
    (v.cleanTitles.medianErrorPct ?? Infinity) <= TARGETS.cleanMedianErrorPct &&
    (v.over150k.medianErrorPct ?? Infinity) <= TARGETS.highMileageMedianErrorPct &&
    (v.lowestShare.share ?? 0) >= TARGETS.lowestEstimateShare &&
    r.faults.recall >= TARGETS.recall &&
    r.falsePositives.rate <= TARGETS.falsePositiveRate &&
    r.otherMakeVins.caught === r.otherMakeVins.injected &&
    r.arithmetic.differences === 0 &&
    r.transport.within === r.transport.checked
  );
}
