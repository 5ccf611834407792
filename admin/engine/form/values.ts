// Typed reading of parsed form values for the resource hooks (the FormValues of types.ts):
// each reader matches what one field type's parser stores (kinds/), so hooks map a form to a
// lib input without casts.
import type { FormValues, UploadedFile, Values } from '../types';

interface AddressValue {
  local: string;
  domain: string;
}

export function formValues(values: Values): FormValues {
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  return {
    names: () => Object.keys(values),
    text: str,
    nullable: (name) => (values[name] === null ? null : str(name)),
    oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
      const s = str(name);
      return s !== undefined && (allowed as readonly string[]).includes(s) ? (s as T) : undefined;
    },
    checkbox: (name) => (typeof values[name] === 'boolean' ? (values[name] as boolean) : undefined),
    number: (name) => (typeof values[name] === 'number' ? (values[name] as number) : undefined),
    id(name) {
      const v = values[name];
      return v === undefined ? undefined : v === null || v === '' ? null : Number(v);
    },
    ids: (name) => (Array.isArray(values[name]) ? (values[name] as unknown[]).map(Number) : undefined),
    texts: (name) => (Array.isArray(values[name]) ? (values[name] as unknown[]).map(String) : undefined),
    address(name = 'address') {
      const a = values[name] as AddressValue;
      return `${a.local}@${a.domain}`;
    },
    file: (name) => values[name] as UploadedFile | undefined,
    generate: (name = 'password') => values[`${name}_generate`] === true,
  };
}
