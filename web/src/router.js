// Routes of the app (under /app/). Each area of the app is a folder of views/ with a routes.js that exports
// its `routes` and, optionally, `tools`: entries of the workbench (工作台), for members (group 'member') or
// for secretaries and other managers (group 'manage'). Views load on first visit, so a member's phone
// downloads the timeline, not the secretary's tools.
import { nextTick } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import { signedIn, managedOrgIds, isRegionAdmin } from './session.js'
import { loadAreas } from './i18n.js'

const modules = import.meta.glob('./views/*/routes.js', { eager: true })
const areas = Object.values(modules)
export const AREAS = Object.keys(modules).map((path) => path.split('/')[2])

// Each route knows its area (the folder it comes from): its translation tables load before it shows.
// The workbench (core) lists every area's tools, so it needs every area's tables.
const all = Object.entries(modules).flatMap(([path, area]) => {
  const name = path.split('/')[2]
  return (area.routes || []).map((route) => ({
    ...route,
    meta: { ...route.meta, areas: route.meta?.areas || (route.name === 'workbench' ? AREAS : [name]) },
  }))
})
// the catch-all route of core must come last
const catchAll = (route) => route.path.startsWith('/:')

export const tools = areas.flatMap((area) => area.tools || []).sort((a, b) => a.order - b.order)

export function isManager() {
  return managedOrgIds().length > 0 || isRegionAdmin()
}

export const router = createRouter({
  history: createWebHistory('/app/'),
  routes: [...all.filter((r) => !catchAll(r)), ...all.filter(catchAll)],
})

router.beforeEach((to) => {
  if (!to.meta.public && !signedIn()) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  if (to.meta.manager && !isManager()) return { name: 'home' }
  return true
})

router.beforeResolve((to) => loadAreas(to.matched.flatMap((record) => record.meta.areas || [])))

// After moving to another view, the focus goes to the content (as after a page load), so keyboard and
// screen-reader users start reading the new view rather than where the old one was.
router.afterEach((to, from) => {
  // the first view of a visit keeps the browser's own start; a view changing only its query (a filter) keeps
  // the focus where the person is working
  if (from.matched.length === 0 || to.path === from.path) return
  nextTick(() => {
    const main = document.getElementById('main')
    if (main) main.focus({ preventScroll: false })
  })
})
