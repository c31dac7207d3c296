// How often each key has been asked for lately, in a few bytes per cached entry: the count-min
// sketch of TinyLFU (Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission
// Policy", 2017), the policy behind Caffeine. A full tier admits a newcomer only when it has been
// asked for more often than the entry it would evict, so a burst of one-off reads (most listings'
// details) cannot flush the pages asked for again and again. Small enough to own: the npm sketches
// either pull in a hashing stack per call or are unmaintained.

const DEPTH = 4;
// 4-bit counters as in TinyLFU: past 15 a key is simply popular, and halving stays cheap.
const MAX_COUNT = 15;
// Counts are halved after this many additions per cached entry, so popularity fades and a query
// that stopped being asked for gives way within a few windows.
const SAMPLES_PER_ENTRY = 10;

/** 32-bit FNV-1a over the key's UTF-16 code units. */
function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: a second, independent-enough hash for double hashing. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class FrequencySketch {
  private table = new Uint8Array(0);
  private width = 0;
  private capacity = 0;
  private additions = 0;
  private readonly slots = new Int32Array(DEPTH);

  constructor(capacity: number) {
    this.resize(capacity);
  }

  /** Sized for `capacity` cached entries; a new size starts counting afresh. */
  resize(capacity: number): void {
    const c = Math.max(1, Math.floor(capacity));
    if (c === this.capacity) return;
    this.capacity = c;
    // Four counters a row per entry, as Caffeine sizes its sketch: the window's one-off keys
    // (ten times the entries) then rarely lift a newcomer's estimate by sharing its counters.
    let width = 16;
    while (width < c * 4) width *= 2;
    this.width = width;
    this.table = new Uint8Array(width * DEPTH);
    this.additions = 0;
  }

  private locate(key: string): void {
    const h1 = fnv1a(key);
    const h2 = mix(h1) | 1;
    const mask = this.width - 1;
    for (let row = 0; row < DEPTH; row++) this.slots[row] = row * this.width + (((h1 + Math.imul(row, h2)) >>> 0) & mask);
  }

  /** Estimated requests for `key` in the current window (never fewer than were counted, within aging). */
  frequency(key: string): number {
    this.locate(key);
    let min = MAX_COUNT;
    for (let row = 0; row < DEPTH; row++) min = Math.min(min, this.table[this.slots[row] as number] as number);
    return min;
  }

  /** Counts one request for `key`. */
  increment(key: string): void {
    const min = this.frequency(key); // also locates the key's slots
    if (min === MAX_COUNT) return;
    // Conservative update: only the counters at the minimum move, so collisions inflate less.
    for (let row = 0; row < DEPTH; row++) {
      const slot = this.slots[row] as number;
      if (this.table[slot] === min) this.table[slot] = min + 1;
    }
    if (++this.additions >= this.capacity * SAMPLES_PER_ENTRY) this.age();
  }

  private age(): void {
    for (let i = 0; i < this.table.length; i++) this.table[i] = (this.table[i] as number) >>> 1;
    this.additions = Math.floor(this.additions / 2);
  }
}
