// The side menu: the resources a role may list, by section; a mailbox owner's own space.
import type { Principal } from '../../lib/accounts';
import { can } from '../engine/access';
import type { ResourceDef } from '../engine/types';
import type { T } from '../i18n';

export interface MenuItem {
  label: string;
  href: string;
  icon: string;
  active: boolean;
}

export interface MenuSection {
  title: string;
  items: MenuItem[];
}

function isActive(current: string, href: string): boolean {
  return current === href || current.startsWith(`${href}/`) || (href !== '/' && current.startsWith(`${href}?`));
}

export function menuFor(resources: ResourceDef[], p: Principal, t: T, current: string): MenuSection[] {
  const item = (label: string, href: string, icon: string): MenuItem => ({ label, href, icon, active: isActive(current, href) });
  const listed = (r: ResourceDef) => item(t(`res.${r.name}.title`), `/${r.name}`, r.icon);
  if (p.role === 'user') {
    const own = resources.filter((r) => !r.parent && can(r, 'user', 'list')).map(listed);
    return [{ title: t('menu.my_space'), items: [item(t('home.user.menu'), '/', 'house'), item(t('menu.my_mailbox'), `/mailboxes/${p.id}`, 'mailbox'), ...own, item(t('stats.menu_item'), '/stats', 'bar-chart')] }];
  }
  const sections: MenuSection[] = [];
  for (const section of ['mail', 'system'] as const) {
    const items = resources.filter((r) => !r.parent && r.section === section && can(r, p.role, 'list')).map(listed);
    if (items.length) sections.push({ title: t(`menu.${section}`), items });
  }
  sections[0]?.items.push(item(t('stats.menu_item'), '/stats', 'bar-chart')); // statistics of what this login may see
  if (p.role === 'client') sections.push({ title: t('menu.my_space'), items: [item(t('menu.my_account'), `/accounts/${p.id}`, 'person-circle')] });
  return sections;
}
