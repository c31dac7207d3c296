import { describe, it, expect } from 'vitest';
import { computeCheckDigit, extractMileage, extractVin, normalizeVin, vinCheckDigitValid, vinModelYear, vinProblems } from './vin.js';

// 1FM5K8AR2KGA12345 worked by hand: values 1 6 4 5 2 8 1 9 2 2 7 1 1 2 3 4 5 times weights
// 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2 = 8+42+24+25+8+24+2+90+0+18+56+7+6+10+12+12+10 = 354;
// 354 mod 11 = 2, which is position 9.
const EXPLORER = '1FM5K8AR2KGA12345';
const TAHOE = '1GNSKBKC2LR123456';
const CHARGER = '2C3CDXAT2HH654321';
const CAMRY = '4T1B11HK6JU500123';
const SILVERADO = '1GC1KVEG0FF654987';
const TEXTBOOK = '1M8GDM9AXKP042788';

describe('normalizeVin', () => {
  it('trims and upper-cases, blank becomes null, malformed kept', () => {
    expect(normalizeVin('  1m8gdm9axkp042788 ')).toBe(TEXTBOOK);
    expect(normalizeVin('')).toBeNull();
    expect(normalizeVin('   ')).toBeNull();
    expect(normalizeVin(null)).toBeNull();
    expect(normalizeVin('abc')).toBe('ABC');
  });
});

describe('check digit', () => {
  it('accepts the textbook VIN, all ones and real-shaped fleet VINs', () => {
    for (const v of [TEXTBOOK, '11111111111111111', EXPLORER, TAHOE, CHARGER, CAMRY, SILVERADO]) {
      expect(vinCheckDigitValid(v), v).toBe(true);
    }
    expect(computeCheckDigit(TEXTBOOK)).toBe('X');
  });

  it('rejects a changed character, wrong length and forbidden letters', () => {
    expect(vinCheckDigitValid('1M8GDM9AXKP042789')).toBe(false);
    expect(vinCheckDigitValid('1FM5K8AR0KGA12345')).toBe(false);
    expect(vinCheckDigitValid('1M8GDM9AXKP04278')).toBe(false);
    expect(vinCheckDigitValid('1M8GDM9AXKP0427O8')).toBe(false);
  });

  it('is case-insensitive', () => {
    expect(vinCheckDigitValid(TEXTBOOK.toLowerCase())).toBe(true);
  });
});

describe('vinProblems', () => {
  it('is empty for a valid VIN', () => {
    expect(vinProblems(TEXTBOOK)).toEqual([]);
  });
  it('names length, alphabet and check digit problems', () => {
    expect(vinProblems('1M8GDM9AX')).toEqual(['length is 9, expected 17']);
    expect(vinProblems('1M8GDM9AXKP0427Q8')[0]).toMatch(/not allowed.*"Q"/);
    expect(vinProblems('IOQ11111111111111')[0]).toMatch(/"I", "O", "Q"/);
    expect(vinProblems('1M8GDM9A1KP042788')).toEqual(['check digit is 1, expected X']);
  });
});

describe('vinModelYear', () => {
  it('decodes position 10 with the position-7 rule when no hint is given', () => {
    expect(vinModelYear(TEXTBOOK)).toBe(1989); // position 7 is '9' → 1980–2009 cycle
    expect(vinModelYear(EXPLORER)).toBe(2019); // position 7 is 'A' → 2010–2039 cycle
    expect(vinModelYear(TAHOE)).toBe(2020);
    expect(vinModelYear(CAMRY)).toBe(2018);
  });
  it('uses the hint year to resolve the 30-year cycle', () => {
    expect(vinModelYear(TEXTBOOK, 2020)).toBe(2019);
    expect(vinModelYear(TEXTBOOK, 1990)).toBe(1989);
    expect(vinModelYear('11111111111111111', 2026)).toBe(2031);
    expect(vinModelYear('11111111111111111', 2001)).toBe(2001);
  });
  it('returns null for codes never used in position 10', () => {
    expect(vinModelYear('1M8GDM9AXUP042788')).toBeNull();
    expect(vinModelYear('1M8GDM9AX0P042788')).toBeNull();
    expect(vinModelYear('SHORT')).toBeNull();
  });
});

describe('extractVin', () => {
  it('finds a valid VIN in free text', () => {
    expect(extractVin(`Unit 4471. VIN: ${EXPLORER}. Runs and drives.`)).toBe(EXPLORER);
    expect(extractVin(`vin#${TAHOE.toLowerCase()}, keys available`)).toBe(TAHOE);
  });
  it('skips 17-character tokens whose check digit fails', () => {
    expect(extractVin(`Part 1FM5K8AR0KGA12345 and VIN ${CHARGER}`)).toBe(CHARGER);
    expect(extractVin('Asset tag 1FM5K8AR0KGA12345')).toBeNull();
  });
  it('ignores VIN-like runs embedded in longer tokens', () => {
    expect(extractVin(`X${EXPLORER}9`)).toBeNull();
    expect(extractVin('')).toBeNull();
    expect(extractVin(null)).toBeNull();
  });
});

describe('extractMileage', () => {
  it.each([
    ['Odometer: 123,456', 123456],
    ['odometer reads 98000 miles', 98000],
    ['Mileage 45,210', 45210],
    ['MILEAGE: 45210 (actual)', 45210],
    ['Approx. 87k miles on it', 87000],
    ['87.5K miles', 87500],
    ['Shows 123,456 mi, runs rough', 123456],
    ['Miles: 64,002', 64002],
    ['45000 actual miles', 45000],
  ])('%s → %d', (text, miles) => {
    expect(extractMileage(text)).toBe(miles);
  });
  it('returns null when no reading is stated', () => {
    expect(extractMileage('Located 15 miles from downtown')).toBeNull();
    expect(extractMileage('Delivery available within 50 miles of Austin')).toBeNull();
    expect(extractMileage('New tires, only 5,000 miles on them')).toBeNull();
    expect(extractMileage('Oil changed 3,000 miles ago')).toBeNull();
    expect(extractMileage('Engine rebuilt, 20,000 miles on the engine')).toBeNull();
    expect(extractMileage('Runs and drives, cold A/C')).toBeNull();
    expect(extractMileage(null)).toBeNull();
  });
});
