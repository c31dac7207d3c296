// JSON.parse keeps the last of a key an object gives twice ({"current_bid": 1175.5, …,
// "current_bid": 99999} is read as 99999) without a word. A feed row that does so is rejected
// naming the key, so this scan finds, per element of the top-level array, the first key its
// object repeats. One pass over the text, strings skipped as wholes; only row objects' own keys
// are compared (nested values are not feed fields).

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;

/** For each index of the top-level array whose object repeats a key: that key. */
export function repeatedRowKeys(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const n = text.length;
  let depth = 0;
  let index = 0;
  let keys: Set<string> | null = null;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      for (let escaped = false; j < n; j++) {
        const d = text.charCodeAt(j);
        if (escaped) escaped = false;
        else if (d === BACKSLASH) escaped = true;
        else if (d === QUOTE) break;
      }
      if (depth === 2 && keys !== null) {
        let k = j + 1;
        while (k < n && text.charCodeAt(k) <= 32) k++;
        if (text.charCodeAt(k) === COLON) {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (!keys.has(key)) keys.add(key);
          else if (!out.has(index)) out.set(index, key);
        }
      }
      i = j + 1;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (depth === 2) keys = c === 123 ? new Set() : null;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    } else if (c === COMMA && depth === 1) {
      index++;
    }
    i++;
  }
  return out;
}
