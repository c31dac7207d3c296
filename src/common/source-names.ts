// The auction sources' names as people and exports write them ("GSA Auctions", "GovDeals.com",
// "IAAI") and the lower-case key the fee table, the stored listings and the API use.

const SOURCE_ALIASES: Record<string, string> = {
  govdeals: 'govdeals',
  publicsurplus: 'publicsurplus',
  publicsurpluscom: 'publicsurplus',
  gsa: 'gsa',
  gsaauctions: 'gsa',
  gsaauction: 'gsa',
  gsaauctionsgov: 'gsa',
  iaa: 'iaa',
  iaai: 'iaa',
  insuranceautoauctions: 'iaa',
  govdealscom: 'govdeals',
};

/** Display name or key → the lower-case source key the fee table and API use. */
export function normalizeSource(raw: string): string {
  const key = raw.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SOURCE_ALIASES[key] ?? key;
}
