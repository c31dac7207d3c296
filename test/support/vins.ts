// Valid VINs for tests: any 16 characters plus the check digit the rules call for.
import { computeCheckDigit } from '../../src/quality/vin.js';

/** A 17-character VIN with WMI+VDS `head` (8 chars), model-year code `yearCode` and a serial. */
export function makeVin(head: string, yearCode: string, serial: string): string {
  const body = `${head.slice(0, 8)}0${yearCode}A${serial.padStart(6, '0').slice(-6)}`;
  return body.slice(0, 8) + computeCheckDigit(body)! + body.slice(9);
}
