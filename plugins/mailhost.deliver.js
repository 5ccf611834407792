// Haraka loads this file; the plugin is compiled from plugins/deliver.ts (npm run build).
const impl = require('../dist/plugins/deliver.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
