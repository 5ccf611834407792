// Haraka loads this file; the plugin is compiled from plugins/autoreply.ts (npm run build).
const impl = require('../dist/plugins/autoreply.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
