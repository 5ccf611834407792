// One yes/no box: ticked is '1', anything else (absent: unticked boxes are not posted) is no.
import { accepted, type FieldKind } from './kind';

export const checkbox: FieldKind = {
  input: 'inputs/checkbox',
  wholeRow: true,
  toRaw: (v) => (v ? '1' : ''),
  parse: (i) => accepted(i.f, i.text === '1' ? '1' : '', i.text === '1'),
};
