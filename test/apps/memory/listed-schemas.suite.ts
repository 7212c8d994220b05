/**
 * What a client is told against what the server does. Each tool's input schema
 * is listed through a real SDK client; values at and around every limit it
 * states (and the strings our validation cares about) are checked by the
 * SDK's own client-side validator (Ajv) and sent to the server. Both must
 * agree on every value: a schema that promises less or more than the server
 * enforces is a lie a client or a model acts on.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { JsonSchemaType } from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { newPrincipal, type Harness, type Session } from './support.js';

/** Arguments each tool accepts; a probe replaces one of them at a time. */
const VALID: Record<string, Record<string, unknown>> = {
  wake_up: { project: 'agree' },
  select_project: { name: 'agree' },
  sleep: { summary: 's' },
  lock_context: { topic: 't', content: 'c' },
  recall_context: { topic: 't' },
  unlock_context: { topic: 't' },
  restore_context: { topic: 't' },
  search_contexts: { query: 'q' },
  list_contexts: {},
  list_projects: {},
};

interface Schema {
  type?: string;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  items?: Schema;
  anyOf?: Schema[];
}

const STRINGS = ['', ' ', '\t\n', 'x', ' x ', 'x\n', 'a\nb', 'a\tb', 'a\u0000b', '😀', '42', '1'.repeat(19), '1'.repeat(20), 'all', 'ALL'];
const OTHERS = [0, 1, -1, 1.5, 1e9, 1e9 + 1, true, null, {}];

/** Probe values for one property: the fixed sets above, plus values at and beyond each limit the schema states. */
function probes(schema: Schema): unknown[] {
  const out: unknown[] = [...STRINGS, ...OTHERS];
  for (const s of [schema, ...(schema.anyOf ?? [])]) {
    if (s.maxLength !== undefined) {
      const m = s.maxLength;
      // Lengths are characters (code points) for JSON Schema; an emoji is two UTF-16 units but one character.
      out.push('x'.repeat(m), 'x'.repeat(m + 1), '😀'.repeat(m), '😀'.repeat(m + 1), ` ${'x'.repeat(m - 1)} `);
    }
    if (s.minimum !== undefined) out.push(s.minimum - 1, s.minimum);
    if (s.maximum !== undefined) out.push(s.maximum, s.maximum + 1);
    for (const v of [...(s.enum ?? []), ...(s.const !== undefined ? [s.const] : [])]) {
      if (typeof v === 'string') out.push(v, v.toUpperCase(), ` ${v}`);
    }
    if (s.items) {
      out.push([]);
      for (const item of probes(s.items)) out.push([item]);
      if (s.maxItems !== undefined) out.push(Array.from({ length: s.maxItems }, (_, i) => `i${i}`), Array.from({ length: s.maxItems + 1 }, (_, i) => `i${i}`));
    }
  }
  return out;
}

const preview = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}... (${text.length} chars)` : text;
};

export function listedSchemasSuite(harness: () => Harness): void {
  describe('listed input schemas', () => {
    let h: Harness;
    let s: Session;
    before(async () => {
      h = harness();
      s = await h.connect(newPrincipal('schemas'));
      await s.ok('wake_up', { project: 'p' });
    });

    test('every limit a listed schema states is exactly what the server enforces, field by field', async () => {
      const { tools } = await s.client.listTools();
      const validator = new AjvJsonSchemaValidator();
      const errors = h.loggedErrors.length;
      let compared = 0;
      for (const tool of tools) {
        const valid = VALID[tool.name];
        assert.ok(valid, `${tool.name} has valid arguments in VALID`);
        // The listed schema is JSON (the SDK's Tool type); Ajv's type names the same thing as a JSON Schema document.
        const clientCheck = validator.getValidator<Record<string, unknown>>(tool.inputSchema as JsonSchemaType);
        assert.equal(clientCheck(valid).valid, true, `${tool.name}: the listed schema accepts ${preview(valid)}`);
        for (const [field, schema] of Object.entries((tool.inputSchema.properties ?? {}) as Record<string, Schema>)) {
          for (const value of probes(schema)) {
            const args: Record<string, unknown> = { ...valid, [field]: value };
            const clientSays: boolean = clientCheck(args).valid;
            const r = await s.call(tool.name, args);
            // Anything but the SDK's validation error got past validation (a MemoryError such as "no context named" included).
            const serverSays = !(r.isError && r.text.startsWith('Input validation error'));
            assert.equal(serverSays, clientSays, `${tool.name}.${field} = ${preview(value)}: schema ${clientSays ? 'accepts' : 'refuses'}, server ${r.text.slice(0, 200)}`);
            compared += 1;
          }
        }
      }
      assert.ok(compared > 500, `compared ${compared} values`);
      assert.equal(h.loggedErrors.length, errors, 'no probe reached the store as a storage error');
    });

    test('content states minLength 1, as the server refuses empty content', async () => {
      const { tools } = await s.client.listTools();
      const lock = tools.find((t) => t.name === 'lock_context');
      const content = (lock?.inputSchema.properties as Record<string, Schema> | undefined)?.content;
      assert.equal(content?.minLength, 1);
      assert.match(await s.fails('lock_context', { topic: 't', content: '' }), /content must not be empty/);
    });
  });
}
