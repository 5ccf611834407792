// admin/engine/form/kinds: every field type has a kind, its input partial exists, and the
// parsers read posted text the way the forms rely on.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIELD_KINDS } from '../../../../admin/engine/form/kinds';
import { parseBody, rawFromRow } from '../../../../admin/engine/form/parse';
import { formValues } from '../../../../admin/engine/form/values';
import { VIEWS_DIR } from '../../../../admin/paths';
import type { Ctx, FieldDef } from '../../../../admin/engine/types';

const ctx = { t: (key: string) => key, timeZone: 'UTC' } as unknown as Ctx;

describe('admin/engine/form kinds', () => {
  it('draws every field type with a partial that exists', () => {
    for (const [type, kind] of Object.entries(FIELD_KINDS)) {
      assert.ok(fs.existsSync(path.join(VIEWS_DIR, 'partials', `${kind.input}.ejs`)), `${type}: ${kind.input}.ejs`);
    }
  });

  it('parses a form into typed values, errors and the texts shown again', async () => {
    const fields: FieldDef[] = [
      { name: 'name', type: 'text', label: 'l', required: true, maxLength: 5 },
      { name: 'quota', type: 'number', label: 'l', min: 0, max: 10, default: 3 },
      { name: 'size', type: 'number', label: 'l', min: 0, max: 10 },
      { name: 'on', type: 'checkbox', label: 'l' },
      { name: 'when', type: 'datetime', label: 'l' },
      { name: 'to', type: 'targets', label: 'l' },
      { name: 'password', type: 'password', label: 'l', required: true },
    ];
    const ok = await parseBody(fields, { name: '  abc ', quota: '', size: '7', on: '1', when: '2026-12-20T08:00', to: 'a@x\r\nb@x', password_generate: '1' }, ctx, true);
    assert.deepEqual(ok.errors, {});
    assert.deepEqual(ok.values, { name: 'abc', quota: 3, size: 7, on: true, when: '2026-12-20T08:00:00.000Z', to: 'a@x\nb@x', password_generate: true });
    const v = formValues(ok.values);
    assert.equal(v.text('name'), 'abc');
    assert.equal(v.number('size'), 7);
    assert.equal(v.checkbox('on'), true);
    assert.equal(v.generate(), true);
    assert.equal(v.text('password'), undefined);

    const bad = await parseBody(fields, { name: 'toolong', quota: '11', size: 'x', when: 'soon' }, ctx, true);
    assert.deepEqual(bad.errors, { name: 'err.too_long', quota: 'err.range', size: 'err.number', when: 'err.datetime', password: 'err.required' });
    assert.equal(bad.raw.name, 'toolong');
    assert.deepEqual(Object.keys(bad.values), ['on', 'to']); // the box unticked, the empty list
  });

  it('shows stored values as input texts', () => {
    const fields: FieldDef[] = [
      { name: 'to', type: 'targets', label: 'l' },
      { name: 'on', type: 'checkbox', label: 'l', default: true },
      { name: 'password', type: 'password', label: 'l' },
    ];
    assert.deepEqual(rawFromRow(fields, { to: 'a@x,b@x', on: 0, password: 'hash' }, ctx), { to: 'a@x\nb@x', on: '', password: '' });
    assert.deepEqual(rawFromRow(fields, null, ctx), { to: '', on: '1', password: '' });
  });

  it('checks a new password at the first submit with the other errors, keeps what was typed, and wants the confirmation to match', async () => {
    const fields: FieldDef[] = [
      { name: 'name', type: 'text', label: 'l', required: true, maxLength: 5 },
      { name: 'password', type: 'password', label: 'l', required: true },
      { name: 'current_password', type: 'password', label: 'l', noGenerate: true },
    ];
    const short = await parseBody(fields, { name: 'toolong', password: 'abc', password_confirm: 'abc' }, ctx, true);
    assert.deepEqual(short.errors, { name: 'err.too_long', password: 'err.password_short' });
    const kept = await parseBody(fields, { name: 'toolong', password: 'secret-pass-1', password_confirm: 'secret-pass-1' }, ctx, true);
    assert.deepEqual(kept.errors, { name: 'err.too_long' });
    assert.deepEqual([kept.raw.password, kept.raw.password_confirm], ['secret-pass-1', 'secret-pass-1'], 'typed once, not again');
    const differ = await parseBody(fields, { name: 'ok', password: 'secret-pass-1', password_confirm: 'secret-pass-2' }, ctx, true);
    assert.deepEqual(differ.errors, { password: 'err.password_mismatch' });
    // the current password is taken as typed: it is checked against the stored one, not the rules
    const current = await parseBody(fields, { name: 'ok', password_generate: '1', current_password: 'old' }, ctx, false);
    assert.deepEqual(current.errors, {});
    assert.equal(current.values.current_password, 'old');
  });
});
