// Which flags a rollback of named script features touches: known names map to their flags, and
// any other string — including the names every object inherits — is reported as unknown.
import { describe, expect, it } from 'vitest';
import { FEATURE_FLAGS, flagsOfFeatures } from './registry.js';

describe('flagsOfFeatures', () => {
  it('maps each known feature to its flags and reports the rest as unknown', () => {
    const [feature, flags] = Object.entries(FEATURE_FLAGS)[0]!;
    const found = flagsOfFeatures([feature, 'no_such_feature']);
    expect([...found.flags].sort()).toEqual([...flags].sort());
    expect(found.unknown).toEqual(['no_such_feature']);
  });

  it('treats inherited property names as unknown features, not as the prototype', () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    expect(flagsOfFeatures(names)).toEqual({ flags: [], unknown: names });
  });
});
