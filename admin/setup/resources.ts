// Every declared resource served by the engine; a child under its parent's rows (/mailboxes/7/autoreplies).
import type express from 'express';
import { resourceRouter } from '../engine/router';
import type { ResourceDef } from '../engine/types';

export function mountResources(app: express.Express, resources: ResourceDef[]): void {
  const registry = new Map(resources.map((r) => [r.name, r]));
  for (const r of resources) app.use(r.parent ? `/${r.parent.resource}/:pid/${r.name}` : `/${r.name}`, resourceRouter(r, registry));
}
