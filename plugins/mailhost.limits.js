// Haraka loads this file; the plugin is compiled from plugins/limits.ts (npm run build).
const impl = require('../dist/plugins/limits.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
