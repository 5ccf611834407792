// Haraka loads this file; the plugin is compiled from plugins/digest.ts (npm run build).
const impl = require('../dist/plugins/digest.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
