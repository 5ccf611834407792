// Aliases, forwards/mail groups and catch-alls: one table of address -> targets.
// postmaster@ and abuse@ are aliases of kind 'postmaster' created with each domain; they cannot be deleted.
import { type Db, bumpGeneration, addressSortKey, invalid, notFound, conflict, forbidden, isUniqueViolation, normalizeDomain } from '../core';
import { getDomain } from './domains';
import { requireAddress, normalizeTargets, addressTaken } from './mailboxes';

export type AliasKind = 'alias' | 'forward' | 'catchall' | 'postmaster';

export interface AliasRow {
  id: number;
  domain_id: number;
  address: string;
  local_part: string;
  kind: AliasKind;
  active: boolean;
  description: string;
  targets: string[];
}

/** `*@domain` (catch-all) or a normal address. */
export function parseAliasAddress(input: string): { local: string; domain: string; address: string } {
  const s = String(input ?? '').trim();
  const m = /^\*@(.+)$/.exec(s) || /^@(.+)$/.exec(s);
  if (m) {
    const domain = normalizeDomain(m[1]);
    if (!domain) throw invalid('address', `invalid domain "${m[1]}"`);
    return { local: '*', domain, address: `*@${domain}` };
  }
  return requireAddress(s);
}

/** The targets of many aliases in one query, by alias id, each list in its stored order. */
export async function aliasTargets(db: Db, aliasIds: number[]): Promise<Map<number, string[]>> {
  const byAlias = new Map<number, string[]>();
  if (!aliasIds.length) return byAlias;
  const targets = await db('alias_targets').whereIn('alias_id', aliasIds).orderBy(['alias_id', 'position', 'id']);
  for (const t of targets) {
    const list = byAlias.get(Number(t.alias_id)) ?? [];
    list.push(String(t.target));
    byAlias.set(Number(t.alias_id), list);
  }
  return byAlias;
}

async function withTargets(db: Db, rows: Record<string, unknown>[]): Promise<AliasRow[]> {
  if (!rows.length) return [];
  const byAlias = await aliasTargets(db, rows.map((r) => Number(r.id)));
  return rows.map((r) => ({
    id: Number(r.id),
    domain_id: Number(r.domain_id),
    address: String(r.address),
    local_part: String(r.local_part),
    kind: r.kind as AliasKind,
    active: !!r.active,
    description: String(r.description ?? ''),
    targets: byAlias.get(Number(r.id)) ?? [],
  }));
}

export async function getAlias(db: Db, addressOrId: string | number): Promise<AliasRow> {
  const row =
    typeof addressOrId === 'number'
      ? await db('aliases').where({ id: addressOrId }).first()
      : await db('aliases').where({ address: parseAliasAddress(addressOrId).address }).first();
  if (!row) throw notFound(`alias ${addressOrId} does not exist`);
  return (await withTargets(db, [row]))[0];
}

async function replaceTargets(db: Db, aliasId: number, targets: string[]): Promise<void> {
  await db('alias_targets').where({ alias_id: aliasId }).delete();
  if (targets.length) await db('alias_targets').insert(targets.map((target, position) => ({ alias_id: aliasId, target, position })));
}

export interface AliasInput {
  address: string;
  targets: string | string[];
  /** without a kind, `*@domain` makes a catch-all and any other address an alias */
  kind?: AliasKind;
  active?: boolean;
  description?: string;
}

/**
 * The kind of a new alias. `*` is a catch-all, never an alias or forward of that name: a
 * page (or command) creating aliases or forwards gets a clear refusal, not a catch-all it
 * would then not list.
 */
function aliasKind(local: string, asked: AliasKind | undefined): AliasKind {
  if (local !== '*') return asked ?? 'alias';
  if (asked && asked !== 'catchall') throw invalid('address', `a catch-all (*) is not ${asked === 'forward' ? 'a forward' : 'an alias'}: set it as a catch-all`);
  return 'catchall';
}

/**
 * Creates an alias (or catch-all for `*@domain`). For postmaster@, which always exists,
 * this sets its targets instead.
 */
export async function createAlias(db: Db, input: AliasInput): Promise<AliasRow> {
  const addr = parseAliasAddress(input.address);
  const kind = aliasKind(addr.local, input.kind);
  const targets = normalizeTargets(input.targets);
  if (!targets.length) throw invalid('targets', 'give at least one target address');
  if (targets.includes(addr.address)) throw invalid('targets', 'an alias cannot point to itself');
  const domain = await getDomain(db, addr.domain).catch(() => {
    throw invalid('address', `domain ${addr.domain} is not hosted here (create it first)`);
  });
  const existing = await db('aliases').where({ address: addr.address }).first();
  if (existing?.kind === 'postmaster') {
    return updateAlias(db, Number(existing.id), { targets });
  }
  if (await addressTaken(db, addr.address)) throw conflict('address', `${addr.address} already exists`);
  try {
    const id = await db.transaction(async (trx) => {
      const [newId] = await trx('aliases').insert({
        domain_id: domain.id,
        local_part: addr.local,
        address: addr.address,
        sort_key: addressSortKey(addr.address),
        kind,
        active: input.active ?? true,
        description: (input.description ?? '').slice(0, 255),
      });
      await replaceTargets(trx, Number(newId), targets);
      await bumpGeneration(trx);
      return Number(newId);
    });
    return getAlias(db, id);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('address', `${addr.address} already exists`);
    throw err;
  }
}

export async function updateAlias(db: Db, id: number, patch: { targets?: string | string[]; active?: boolean; description?: string }): Promise<AliasRow> {
  const alias = await getAlias(db, id);
  await db.transaction(async (trx) => {
    const set: Record<string, unknown> = { updated_at: trx.fn.now() };
    if (patch.active !== undefined) set.active = patch.active;
    if (patch.description !== undefined) set.description = patch.description.slice(0, 255);
    await trx('aliases').where({ id }).update(set);
    if (patch.targets !== undefined) {
      const targets = normalizeTargets(patch.targets);
      if (!targets.length && alias.kind !== 'postmaster') throw invalid('targets', 'give at least one target address');
      if (targets.includes(alias.address)) throw invalid('targets', 'an alias cannot point to itself');
      await replaceTargets(trx, id, targets);
    }
    await bumpGeneration(trx);
  });
  return getAlias(db, id);
}

export async function deleteAlias(db: Db, addressOrId: string | number): Promise<void> {
  const alias = await getAlias(db, addressOrId);
  if (alias.kind === 'postmaster') throw forbidden(`${alias.local_part}@ cannot be deleted`);
  await db('aliases').where({ id: alias.id }).delete();
  await bumpGeneration(db);
}

export async function listAliases(db: Db, opts: { domain?: string; kind?: AliasKind; search?: string; limit?: number; offset?: number } = {}): Promise<AliasRow[]> {
  const q = db('aliases').orderBy(['sort_key', 'address']);
  if (opts.domain) q.where({ domain_id: (await getDomain(db, opts.domain)).id });
  if (opts.kind) q.where({ kind: opts.kind });
  if (opts.search) q.where('address', 'like', `%${opts.search.toLowerCase()}%`);
  if (opts.limit) q.limit(opts.limit).offset(opts.offset ?? 0);
  return withTargets(db, await q);
}

export { conflict, isUniqueViolation };
