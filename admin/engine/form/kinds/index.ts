// Every field type and the kind that reads and draws it (the engine's one table of types).
import type { FieldType } from '../../types';
import type { FieldKind } from './kind';
import { text, textarea, targets } from './text';
import { number } from './number';
import { checkbox } from './checkbox';
import { select, checkboxes } from './choice';
import { password } from './password';
import { address } from './address';
import { datetime } from './datetime';
import { file } from './file';

export const FIELD_KINDS: Record<FieldType, FieldKind> = { text, textarea, targets, number, checkbox, select, checkboxes, password, address, datetime, file };

export type { FieldKind, Raw } from './kind';
