// An address typed as local part @ a domain chosen among those in scope (a domain outside
// them answers 404). Value: { local, domain_id, domain } (see FormValues.address).
import { notFoundHttp } from '../../errors';
import { bodyText } from '../body';
import { optionsOf, type FieldKind } from './kind';

export const address: FieldKind = {
  input: 'inputs/address',
  choices: true,
  labelSuffix: '_local',
  ownError: true,
  toRaw: (v) => (v == null ? '' : String(v)),
  async parse(i) {
    const { f, ctx } = i;
    const local = bodyText(i.body, `${f.name}_local`).trim();
    const domain = bodyText(i.body, `${f.name}_domain`);
    const raw = { [`${f.name}_local`]: local, [`${f.name}_domain`]: domain };
    const missing = { raw, values: {}, error: ctx.t('err.required') };
    if (!domain) return missing;
    const opt = (await optionsOf(f, ctx)).find((o) => o.value === domain);
    if (!opt) throw notFoundHttp();
    if (!local) return missing;
    return { raw, values: { [f.name]: { local, domain_id: Number(domain), domain: opt.label ?? '' } } };
  },
};
