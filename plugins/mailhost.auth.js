// Haraka loads this file; the plugin is compiled from plugins/auth.ts (npm run build).
const impl = require('../dist/plugins/auth.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
