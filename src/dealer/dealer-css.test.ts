import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HELMET_OPTIONS, helmetHeaders } from '../security/security-headers.js';
import { allowDealerCss, DEALER_CSS, DEALER_CSS_HASH, dealerCsp } from './dealer-css.js';

describe('inline dealer stylesheet under the content security policy', () => {
  const site = helmetHeaders(HELMET_OPTIONS)['content-security-policy']!;

  it("adds exactly the stylesheet's SHA-256 to style-src and leaves every other directive alone", () => {
    const widened = dealerCsp(site);
    const digest = createHash('sha256').update(DEALER_CSS).digest('base64');
    expect(DEALER_CSS_HASH).toBe(`'sha256-${digest}'`);
    expect(widened).toContain(`style-src 'self' 'sha256-${digest}'`);
    expect(widened).not.toContain('unsafe-inline');
    expect(widened.replace(` ${DEALER_CSS_HASH}`, '')).toBe(site);
  });

  it('widens only a policy already on the reply', () => {
    const headers = new Map<string, string>();
    const reply = {
      getHeader: (n: string) => headers.get(n),
      header(n: string, v: string) {
        headers.set(n, v);
        return reply;
      },
    };
    allowDealerCss(reply);
    expect(headers.size).toBe(0);
    headers.set('content-security-policy', site);
    allowDealerCss(reply);
    expect(headers.get('content-security-policy')).toContain(DEALER_CSS_HASH);
  });
});
