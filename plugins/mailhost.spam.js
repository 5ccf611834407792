// Haraka loads this file; the plugin is compiled from plugins/spam.ts (npm run build).
const impl = require('../dist/plugins/spam.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
