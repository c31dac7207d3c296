// Schemas of our own are compiled without Ajv's meta-schema check (it cost every process start
// 35–80 ms); their tests call schemaProblems instead, which must therefore find a broken schema.
import { describe, expect, it } from 'vitest';
import { compileOwnSchema, schemaProblems } from './json-schema.js';

describe('schemas of our own', () => {
  it('schemaProblems names what the meta-schema rejects, and nothing in a sound schema', () => {
    expect(schemaProblems({ type: 'object', properties: { n: { type: 'integer', minimum: 0 } } })).toEqual([]);
    const problems = schemaProblems({ type: 'object', properties: { n: { type: 'integer', minimum: 'zero' } } });
    expect(problems.join('; ')).toMatch(/\/properties\/n\/minimum must be number/);
  });

  it('compileOwnSchema validates data like any Ajv validator, every error kept', () => {
    const validate = compileOwnSchema<{ n: number }>({
      type: 'object',
      properties: { n: { type: 'integer', minimum: 0 }, s: { type: 'string' } },
      required: ['n'],
      additionalProperties: false,
    });
    expect(validate({ n: 3 })).toBe(true);
    expect(validate({ n: -1, s: 5 })).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath).sort()).toEqual(['/n', '/s']);
  });
});
