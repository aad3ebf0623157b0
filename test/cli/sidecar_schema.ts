// docs/sidecar.schema.json compiled once with ajv: every sidecar a test sees is checked against it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { ROOT } from '../helpers.ts';

export const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'docs/sidecar.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(SCHEMA);

/** Errors of a sidecar against the schema, as readable lines ([] when valid). */
export function schemaErrors(sidecar: unknown): string[] {
  return validate(sidecar) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

export function expectValidSidecar(sidecar: unknown): void {
  expect(schemaErrors(sidecar)).toEqual([]);
}
