// The shape of a declarative admin resource. A resource is data: the engine (engine/router.ts and its parts)
// renders list, add, edit and delete for every resource from this description alone.
import type { Knex } from 'knex';
import type { Router } from 'express';
import type { Db } from '../../lib/core';
import type { Principal } from '../../lib/accounts';

export type Role = Principal['role'];
export type Action = 'list' | 'create' | 'edit' | 'delete';

/** What every hook and option loader receives. */
export interface Ctx {
  db: Db;
  principal: Principal;
  /** translate with the current language */
  t: (key: string, vars?: Record<string, unknown>) => string;
  lang: string;
  /** IANA time zone in which dates are shown and typed (the user's choice, else the server's) */
  timeZone: string;
  /** for a child resource (see ResourceDef.parent): the parent row, already checked in scope */
  parent?: Record<string, unknown>;
}

export interface Option {
  value: string;
  /** shown as is (already a human label), or translated when labelKey is set */
  label?: string;
  labelKey?: string;
}

/** Each type is read, shown and drawn by its kind: engine/form/kinds (one table, keyed by type). */
export type FieldType =
  | 'text'
  | 'number'
  | 'checkbox'
  | 'select'
  | 'password' // with a "generate" checkbox on add; empty on edit = unchanged
  | 'targets' // many addresses: one per line or separated by ; or ,
  | 'textarea' // free text on several lines
  | 'datetime' // date and time (server's time zone), stored as an ISO UTC string
  | 'address' // local part @ domain (select among the domains in scope)
  | 'checkboxes' // several values among options (e.g. files of a pool); value: string[]
  | 'file'; // an uploaded file (the form becomes multipart); value: UploadedFile

export interface FieldDef {
  /** form name; also the `field` of lib errors it shows next to */
  name: string;
  type: FieldType;
  /** i18n keys */
  label: string;
  help?: string;
  required?: boolean;
  /** editable on add only; shown read-only on edit */
  createOnly?: boolean;
  /** the roles that see and change the field (default: every role allowed on the resource) */
  roles?: Role[];
  /** select: the label (i18n key) of the empty choice of an optional field (default common.none) */
  emptyLabel?: string;
  /** select options; for `address` the domains offered */
  options?: (ctx: Ctx) => Promise<Option[]>;
  /**
   * A select/address whose value is an id of another resource: the value must be among that
   * resource's rows in scope, otherwise the whole request answers 404.
   */
  ref?: string;
  /** the field exists only when this says so (e.g. a table another feature brings) */
  available?: (db: Db) => Promise<boolean>;
  /**
   * A right the resource's `allows` decides per row (e.g. what a mailbox owner may change):
   * refused, the field is not on the form and a request posting it answers 403.
   */
  permission?: string;
  /** value for a new object */
  default?: unknown;
  /** unit shown after the input (i18n key) */
  suffix?: string;
  /** read-only display on edit forms (defaults to the raw value) */
  display?: (row: Record<string, unknown>, ctx: Ctx) => string;
  /** input size hints */
  min?: number;
  max?: number;
  maxLength?: number;
  /** `field`s of lib errors shown next to this field too (e.g. 'filename' next to an upload) */
  errorFor?: string[];
  /** i18n key of a placeholder (text inputs) */
  placeholder?: string;
  /** password fields: no "generate" checkbox, and the browser's autocomplete hint */
  noGenerate?: boolean;
  autocomplete?: string;
}

/** A file posted with a multipart form (parsed by admin/multipart.ts, size-limited). */
export interface UploadedFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface TabDef {
  name: string;
  label: string; // i18n key
  fields: string[];
  roles?: Role[];
  available?: (db: Db) => Promise<boolean>;
  /** as FieldDef.permission, for the whole tab (its fields, or its child resource) */
  permission?: string;
  /**
   * A tab stored outside the resource's row (e.g. an autoresponder table keyed by mailbox_id):
   * load gives the form values, save stores them through lib. Without them the tab's fields
   * are columns of the row, saved by the resource's onUpdate.
   */
  load?: (ctx: Ctx, row: Record<string, unknown>) => Promise<Record<string, unknown>>;
  save?: (ctx: Ctx, row: Record<string, unknown>, values: FormValues) => Promise<void>;
  /**
   * A tab that is a whole child resource (its `parent` names this resource): the tab links to
   * /<resource>/<id>/<child>, where the child's list, add, edit and delete are served.
   */
  child?: string;
}

/** A button at the end of a list row (e.g. enable/disable): POST /<base>/<id>/do/<name>. */
export interface RowAction {
  name: string;
  label: string; // i18n key
  icon: string;
  /** shown (and allowed) only for rows where this is true */
  when?: (row: Record<string, unknown>) => boolean;
  run: (ctx: Ctx, row: Record<string, unknown>) => Promise<void>;
}

export interface ColumnDef {
  name: string; // key in the list row
  label: string; // i18n key
  format?: 'text' | 'bool' | 'date' | 'number' | 'bytes' | 'mb' | 'domain' | 'address' | 'list' | 'i18n' | 'usage';
  /** i18n prefix for format 'i18n' (value appended) */
  i18nPrefix?: string;
  /**
   * format 'usage' (a bar: the value, in bytes, out of a limit): the row key holding the limit,
   * counted in `scale` bytes (1048576 for a column in MB); a limit of 0 or none means unlimited
   */
  usageOf?: { limit: string; scale?: number };
  /**
   * SQL the list may be sorted by instead of its default order (?sort=<name>, the header then
   * links to it): ascending, so negate it to put the largest first
   */
  sort?: string;
  roles?: Role[];
}

export interface SearchDef {
  name: string; // query-string name: q_<name>
  /** qualified column searched, e.g. 'domains.name' */
  column: string;
  type: 'text' | 'bool' | 'select' | 'date';
  options?: (ctx: Ctx) => Promise<Option[]>;
  roles?: Role[];
  /**
   * type 'date': a bound of a date range on `column` (epoch ms), the day typed in the user's
   * zone: 'from' keeps that day and after (default), 'to' that day and before
   */
  range?: 'from' | 'to';
  /** type 'text': a column holding the folded Unicode form (lib/core sortKey), searched with the folded text too */
  foldedColumn?: string;
  /** i18n key of the filter's label, for a filter that is not under a list column (shown above the list) */
  label?: string;
  /** narrows the query itself (several columns, a date bound...) instead of the default on `column` */
  apply?: (q: Knex.QueryBuilder, value: string, ctx: Ctx) => void;
}

/** Parsed form values by field name (address fields give { local, domain_id, domain }). */
export type Values = Record<string, unknown>;

/**
 * The submitted values as the hooks read them, typed by the field type that produced them
 * (engine/form/kinds): `undefined` always means "not on the submitted form" (another tab, a
 * field of another role, an empty optional number), so `{ name: v.text('name') }` passed
 * through `defined()` changes only what was submitted.
 */
export interface FormValues {
  /** names of the submitted values (for the audit log) */
  names(): string[];
  /** text, textarea, targets, password, select: the string */
  text(name: string): string | undefined;
  /** a select that may be set to none: null */
  nullable(name: string): string | null | undefined;
  /** a select among fixed values, typed */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined;
  checkbox(name: string): boolean | undefined;
  number(name: string): number | undefined;
  /** a select of another resource's id: null for none */
  id(name: string): number | null | undefined;
  /** checkboxes of ids */
  ids(name: string): number[] | undefined;
  /** checkboxes of other values (the options' values as posted) */
  texts(name: string): string[] | undefined;
  /** an address field as local@domain */
  address(name?: string): string;
  file(name: string): UploadedFile | undefined;
  /** the "generate" box of a password field was ticked */
  generate(name?: string): boolean;
}

export interface ResourceDef {
  /** URL segment and i18n prefix: /mailboxes, "res.mailboxes.*" */
  name: string;
  table: string;
  icon: string; // bootstrap-icons name
  /** menu section: mail objects, system, or the user's own space */
  section: 'mail' | 'system';
  /** the resource exists only when this says so (its tables come from another feature's migration) */
  available?: (db: Db) => Promise<boolean>;
  /** which role may do what; anything missing answers 404 */
  permissions: Partial<Record<Role, Action[]>>;
  /**
   * A child resource lives inside one row of another resource (autoreplies of a mailbox):
   * served at /<parent>/<parent id>/<name>, shown as a tab of the parent's form, its rows
   * restricted to `key` = the parent id, and the parent row itself loaded through the parent's
   * scope (404 outside it) with the parent's `edit` permission required.
   */
  parent?: { resource: string; key: string };
  /** buttons at the end of list rows; they need the `edit` permission */
  actions?: RowAction[];
  /**
   * Which `permission`s of fields and tabs this principal has on this row (decided in lib);
   * without it every one is granted. Hidden from the forms and refused (403) on a request.
   */
  allows?: (ctx: Ctx, row: Record<string, unknown>) => Promise<(permission: string) => boolean>;
  /** THE authorization rule: rows this principal may reach (see engine/scopes.ts) */
  scope: (db: Db, p: Principal) => Knex.QueryBuilder;
  /** add joins/columns for the list and the edit form, on top of the scoped query */
  select?: (q: Knex.QueryBuilder, db: Db) => Knex.QueryBuilder;
  /** default list order (qualified column) */
  orderBy: string;
  /** the default order is descending (newest first: a log) */
  orderDesc?: boolean;
  fields: FieldDef[];
  /** tabs of the edit form; the first tab is the add form. Without tabs: one form with all fields */
  tabs?: TabDef[];
  list: { columns: ColumnDef[]; search: SearchDef[] };
  /** adds what the table row lacks (e.g. alias targets) to listed rows and to the edited row */
  decorate?: (ctx: Ctx, rows: Record<string, unknown>[]) => Promise<Record<string, unknown>[]>;
  /** human name of a row (confirmation page, flash messages, audit) */
  label: (row: Record<string, unknown>) => string;
  /**
   * The domain a row is about, for the audit log (a client sees the lines of its domains).
   * Default: the row's domain_id, else its mailbox_id's domain, else the parent row's domain.
   */
  auditDomain?: (row: Record<string, unknown>) => number | null;
  /** a row that may not be deleted (e.g. postmaster@): no delete button, and refused */
  canDelete?: (row: Record<string, unknown>, p: Principal) => boolean;
  // ---- lifecycle hooks; all optional except the ones needed by the permissions given
  /** checks before insert/update (row: null on insert); throw a MailhostError (field) to refuse */
  onBeforeSave?: (ctx: Ctx, values: FormValues, row: Record<string, unknown> | null) => Promise<void>;
  /** create through lib; returns the new id and an optional extra flash line (e.g. a generated password) */
  onInsert?: (ctx: Ctx, values: FormValues) => Promise<{ id: number; notice?: string }>;
  /** update through lib with the values of one tab */
  onUpdate?: (ctx: Ctx, row: Record<string, unknown>, values: FormValues) => Promise<{ notice?: string } | void>;
  onDelete?: (ctx: Ctx, row: Record<string, unknown>) => Promise<void>;
  /** where the add form leads once saved: the list (default), or the new row's own page (a ticket's thread) */
  afterCreate?: 'list' | 'row';
  /** i18n key of the add form's button (default common.save; e.g. "Send" for a message) */
  addButton?: string;
  /**
   * Pages of its own (a custom list view, a preview, bulk actions), mounted on the resource's
   * router before the generic ones, so they may also replace a generic page. Each must check
   * access through the engine (envOf, loadRow) like the generic routes do.
   */
  routes?: (router: Router, res: ResourceDef, registry: Map<string, ResourceDef>) => void;
}
