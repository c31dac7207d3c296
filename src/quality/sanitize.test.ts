import { describe, expect, it } from 'vitest';
import { sanitizeText } from './sanitize.js';

describe('sanitizeText', () => {
  it('strips tags, script bodies and entities, keeping the words apart', () => {
    expect(sanitizeText('<b>2016 Ford Explorer</b> <font color="red">NO RESERVE</font>')).toEqual({
      text: '2016 Ford Explorer NO RESERVE',
      removed: ['markup'],
    });
    expect(sanitizeText('Runs.<br><script>document.location="x"</script>Call &amp; bid')).toEqual({
      text: 'Runs. Call & bid',
      removed: ['markup'],
    });
  });

  it('strips control characters and whole ANSI escapes', () => {
    expect(sanitizeText('F-150\u0007\u0008')).toEqual({ text: 'F-150', removed: ['control_characters'] });
    expect(sanitizeText('Runs\u001b[31m red\u0000')).toEqual({ text: 'Runs red', removed: ['control_characters'] });
  });

  it('leaves plain text, comparisons and ampersands alone', () => {
    for (const t of ['2019 Ford F-150 4x4', 'bid < $5,000 & > $1,000', 'Tahoe PPV 5.3L V8'])
      expect(sanitizeText(t)).toEqual({ text: t, removed: [] });
  });
});
