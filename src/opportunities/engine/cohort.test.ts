import { describe, expect, it } from 'vitest';
import { familyOf } from './cohort.js';

describe('model families', () => {
  it('reads sellers’ spellings as one family', () => {
    expect(familyOf('Chevy', 'Tahoe PPV 4WD').key).toBe('chevrolet|tahoe');
    expect(familyOf('Dodge', 'Ram 2500 HD').key).toBe('ram|2500hd');
    expect(familyOf('RAM', 'Ram 1500 Crew Cab').key).toBe('ram|1500');
    expect(familyOf('Ford', 'F-150 XLT SuperCrew').key).toBe('ford|f-150');
  });

  it('answers by the alias table it is given, even for a spelling answered before under another', () => {
    expect(familyOf('Ford', 'Police Interceptor Utility').key).toBe('ford|interceptor utility');
    const aliases = { 'interceptor utility': 'explorer' };
    expect(familyOf('Ford', 'Police Interceptor Utility', aliases).key).toBe('ford|explorer');
    expect(familyOf('Ford', 'Police Interceptor Utility', { 'ford|interceptor utility': 'explorer awd' }).family).toBe('explorer awd');
    expect(familyOf('Ford', 'Police Interceptor Utility').key).toBe('ford|interceptor utility');
  });

  it('keeps apart a make and model that run together the same way', () => {
    // Free text can hold any character, so no separator keeps these two spellings apart.
    expect(familyOf('Ford\u0000Transit', 'Connect').make).toBe('fordtransit');
    expect(familyOf('Ford', 'Transit\u0000Connect').make).toBe('ford');
    expect(familyOf('Ford', 'Transit\u0000Connect').family).toBe('transit connect');
  });

  it('hands every caller the same frozen answer, so none can change another’s', () => {
    const a = familyOf('Toyota', 'Camry LE');
    expect(familyOf('Toyota', 'Camry LE')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('still answers rightly once more spellings have been asked than it remembers', () => {
    const aliases = { 'widget 7': 'gadget' };
    for (let i = 0; i < 25_000; i++) expect(familyOf('Acme', `Widget ${i}`, aliases).family).toBe(i === 7 ? 'gadget' : `widget ${i}`);
    expect(familyOf('Acme', 'Widget 7', aliases).family).toBe('gadget');
  });
});
