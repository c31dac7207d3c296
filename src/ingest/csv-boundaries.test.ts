// The boundary scanner against a character-by-character reading of the same rules, on random text
// of commas, quotes, newlines and letters fed in random pieces, as the streamed reader feeds it.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { BoundaryScanner } from './csv-boundaries.js';

/** The rules one character at a time: the reference the scanner must agree with. */
class ByCharacter {
  quoted = false;
  fieldStart = true;
  quoteSeen = false;
  scan(text: string, from: number): number {
    let boundary = -1;
    for (let i = from; i < text.length; i++) {
      const ch = text[i];
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (ch === '"') continue;
          this.quoted = false;
        } else {
          if (ch === '"') this.quoteSeen = true;
          continue;
        }
      }
      if (ch === '\n') {
        boundary = i + 1;
        this.fieldStart = true;
      } else if (ch === ',') this.fieldStart = true;
      else if (ch === '"' && this.fieldStart) {
        this.quoted = true;
        this.fieldStart = false;
      } else this.fieldStart = false;
    }
    return boundary;
  }
}

describe('CSV record boundaries', () => {
  it('agrees with a character-by-character reading, however the text arrives', () => {
    const rnd = seededRandom(11);
    const alphabet = ['a', 'b', ',', '"', '\n', ' '];
    for (let t = 0; t < 20_000; t++) {
      const len = Math.floor(rnd() * 40);
      let text = '';
      for (let k = 0; k < len; k++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      const cuts = [0, ...Array.from({ length: 3 }, () => Math.floor(rnd() * (len + 1))), len].sort((a, b) => a - b);
      const scanner = new BoundaryScanner();
      const reference = new ByCharacter();
      for (let c = 1; c < cuts.length; c++) {
        const seen = text.slice(0, cuts[c]);
        const got = scanner.scan(seen, cuts[c - 1]!);
        const want = reference.scan(seen, cuts[c - 1]!);
        expect({ text, upTo: cuts[c], boundary: got }).toEqual({ text, upTo: cuts[c], boundary: want });
      }
      // The state carried into the next piece must agree too: the final piece's answers depend on it.
      const tail = `${text}\n`;
      expect(scanner.scan(tail, len)).toBe(reference.scan(tail, len));
    }
  });

  it('ends a record only at a newline outside quotes', () => {
    const text = 'a,"line one\nline two",b\nc,"say ""hi""\n",d\ne';
    // The newlines inside the two quoted fields are not boundaries; the one before "e" is the last.
    expect(new BoundaryScanner().scan(text, 0)).toBe(text.indexOf('\ne') + 1);
    expect(new BoundaryScanner().scan('x,"open\nstill open', 0)).toBe(-1);
    expect(new BoundaryScanner().scan('x,y"z\nw', 0)).toBe(6);
  });
});
