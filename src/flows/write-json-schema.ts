import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { flowSchema } from './flow-schema';

/** Where the generated schema lives; flow files point at it with `# yaml-language-server: $schema=./flow.schema.json`. */
export const FLOW_JSON_SCHEMA_FILE = path.join('flows', 'flow.schema.json');

/**
 * The flow-file format as JSON Schema (draft-07, which editors' YAML plugins support best), generated from
 * the zod schema so the two never disagree. Input shape: keys with defaults are optional.
 */
export function buildFlowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(flowSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'Aspa flow file',
    description: 'A dialog flow of the Aspa customer-service bot. See docs/flows.md.',
  };
}

/** The exact text written to `flows/flow.schema.json` (stable key order, trailing newline), also used by the test. */
export function renderFlowJsonSchema(): string {
  return `${JSON.stringify(buildFlowJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const target = path.resolve(process.argv[2] ?? FLOW_JSON_SCHEMA_FILE);
  writeFileSync(target, renderFlowJsonSchema());
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
}
