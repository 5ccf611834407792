// Text inputs: one line (trimmed), several lines (textarea), and a list of addresses (targets:
// one per line, or separated by ; , or spaces).
import { accepted, refused, type FieldInput, type FieldKind, type ParsedField } from './kind';

function textKind(multiline: boolean, input: string, toRaw: FieldKind['toRaw']): FieldKind {
  return {
    input,
    toRaw,
    parse(i: FieldInput): ParsedField {
      const v = multiline ? i.text.replace(/\r\n/g, '\n') : i.text.trim();
      if (v.trim() === '' && i.f.required) return refused(i, v, 'err.required');
      if (i.f.maxLength && v.length > i.f.maxLength) return refused(i, v, 'err.too_long', { max: i.f.maxLength });
      return accepted(i.f, v, v);
    },
  };
}

const asText = (v: unknown): string => (v == null ? '' : String(v));
const asLines = (v: unknown): string => (Array.isArray(v) ? v : String(v ?? '').split(/[,;\s]+/)).filter(Boolean).join('\n');

export const text = textKind(false, 'inputs/text', asText);
export const textarea = textKind(true, 'inputs/textarea', asText);
export const targets = textKind(true, 'inputs/targets', asLines);
