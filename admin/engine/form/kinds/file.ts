// An uploaded file (the form becomes multipart); never shown back. Value: UploadedFile.
import type { UploadedFile } from '../../types';
import { accepted, omitted, refused, type FieldKind } from './kind';

function isUpload(v: unknown): v is UploadedFile {
  return !!v && typeof v === 'object' && Buffer.isBuffer((v as UploadedFile).content) && typeof (v as UploadedFile).filename === 'string';
}

export const file: FieldKind = {
  input: 'inputs/file',
  multipart: true,
  toRaw: () => '',
  parse(i) {
    const v = i.body[i.f.name];
    if (isUpload(v) && (v.filename !== '' || v.content.length)) return accepted(i.f, '', v);
    return i.f.required ? refused(i, '', 'err.required') : omitted(i.f, '');
  },
};
