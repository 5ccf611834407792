// Haraka loads this file; the plugin is compiled from plugins/dkim.ts (npm run build).
const impl = require('../dist/plugins/dkim.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
