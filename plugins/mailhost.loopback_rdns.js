// Haraka loads this file; the plugin is compiled from plugins/loopback_rdns.ts (npm run build).
const impl = require('../dist/plugins/loopback_rdns.js')
for (const k of Object.keys(impl)) exports[k] = impl[k]
