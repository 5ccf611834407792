// Haraka loads this file; the plugin is compiled from plugins/rcpt.ts (npm run build).
const impl = require('../dist/plugins/rcpt.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
