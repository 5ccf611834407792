// Where the admin's non-TypeScript assets live: read from the source tree at run time
// (dist/admin/*.js -> <repo>/admin), never copied into dist.
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const ADMIN_ROOT = path.join(REPO_ROOT, 'admin');
export const VIEWS_DIR = path.join(ADMIN_ROOT, 'views');
export const STATIC_DIR = path.join(ADMIN_ROOT, 'static');

/** Directory of an installed package (node_modules/<name>), for serving its dist files locally. */
export function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}
