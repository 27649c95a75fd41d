// The web app is built into dist/ and served by the gateway under /app/ (gateway/webapp.py).
// `npm run dev` serves it with hot reload and sends /api (and the live WebSocket) to a local region's gateway.
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const gateway = process.env.JICENG_GATEWAY || 'http://127.0.0.1:8080'

// Each script and stylesheet also as .gz beside it: the gateway sends that to browsers that accept gzip
// (gateway/webapp.py), compressed once here rather than on every request.
function precompress() {
  return {
    name: 'jiceng-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      for (const name of Object.keys(bundle)) {
        if (!/\.(js|css|html|svg)$/.test(name)) continue
        const path = resolve(options.dir, name)
        const data = readFileSync(path)
        if (data.length >= 1024) writeFileSync(path + '.gz', gzipSync(data, { level: 9 }))
      }
    },
  }
}

export default defineConfig({
  base: '/app/',
  plugins: [vue(), precompress()],
  define: {
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    target: 'es2020',
    assetsInlineLimit: 0,
    // ECharts (the statistics view's own chunk, 181 KB compressed, loaded on secretaries' desks only) is the
    // one file above Vite's default 500 KB warning
    chunkSizeWarningLimit: 600,
    // Vue, the router and i18n in one long-cached file of their own, apart from the app's code; a library one
    // view uses (ECharts, for the statistics) stays in that view's chunk
    rolldownOptions: {
      output: {
        codeSplitting: { groups: [{ name: 'vendor', test: /node_modules[\\/](?!echarts|zrender)/ }] },
      },
    },
  },
  server: {
    proxy: { '/api': { target: gateway, ws: true }, '/media': gateway },
  },
})
