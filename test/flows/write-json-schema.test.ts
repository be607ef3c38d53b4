import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildFlowJsonSchema, renderFlowJsonSchema } from '../../src/flows/write-json-schema';

describe('flows/flow.schema.json', () => {
  it('is the committed output of `npm run schema` (regenerate after changing flow-schema.ts)', () => {
    const committed = readFileSync(path.join(__dirname, '..', '..', 'flows', 'flow.schema.json'), 'utf8');
    expect(committed).toBe(renderFlowJsonSchema());
  });

  it('describes the state keys for editor autocomplete', () => {
    const schema = buildFlowJsonSchema() as { $schema: string; properties: { states: { additionalProperties: { properties: Record<string, { description?: string }> } } } };
    expect(schema.$schema).toContain('draft-07');
    const stateKeys = schema.properties.states.additionalProperties.properties;
    expect(Object.keys(stateKeys)).toEqual(expect.arrayContaining(['ask', 'slot', 'branch', 'faq', 'call', 'handoff', 'flow', 'survey', 'next', 'end', 'return']));
    expect(stateKeys.ask.description).toContain('waits for the customer');
  });
});
