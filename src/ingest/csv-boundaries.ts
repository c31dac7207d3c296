// Where a CSV record ends, found without parsing the fields: the streamed reader cuts the file
// into windows there, so that each window parses on its own.
/**
 * Finds record boundaries in normalised CSV text the way csv-parse reads quotes: a quote opens a
 * quoted field only at the start of a field, `""` inside one is a literal quote, and a newline
 * ends a record only outside a quoted field.
 */
export class BoundaryScanner {
  private quoted = false;
  private fieldStart = true;
  private quoteSeen = false;

  /**
   * Scans `text` from `from`; answers the offset just after the last record-ending newline, or -1.
   * It jumps from quote to quote (indexOf): between two quotes only the last newline and whether
   * the stretch ends a field matter. A character loop was a tenth of reading a file.
   */
  scan(text: string, from: number): number {
    let boundary = -1;
    let i = from;
    while (i < text.length) {
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (text.charCodeAt(i) === 34) {
            i++; // "" is a quote inside the field
            continue;
          }
          this.quoted = false; // the field closed on the previous quote; read this char outside it
        } else {
          const q = text.indexOf('"', i);
          if (q < 0) return boundary;
          this.quoteSeen = true;
          i = q + 1;
          continue;
        }
      }
      const q = text.indexOf('"', i);
      const end = q < 0 ? text.length : q;
      if (end > i) {
        const newline = text.lastIndexOf('\n', end - 1);
        if (newline >= i) boundary = newline + 1;
        const last = text.charCodeAt(end - 1);
        this.fieldStart = last === 10 || last === 44;
      }
      if (q < 0) return boundary;
      // A quote opens a quoted field only at a field's start; elsewhere it is text.
      this.quoted = this.fieldStart;
      this.fieldStart = false;
      i = q + 1;
    }
    return boundary;
  }
}
