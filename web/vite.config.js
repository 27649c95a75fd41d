// The web app is built into dist/ and served by the gateway under /app/ (gateway/webapp.py).
// `npm run dev` serves it with hot reload and sends /api (and the live WebSocket) to a local region's gateway.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const gateway = process.env.JICENG_GATEWAY || 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/app/',
  plugins: [vue()],
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
    // Vue, the router and i18n in one long-cached file of their own, apart from the app's code
    rollupOptions: { output: { advancedChunks: { groups: [{ name: 'vendor', test: /node_modules/ }] } } },
  },
  server: {
    proxy: { '/api': { target: gateway, ws: true }, '/media': gateway },
  },
})
