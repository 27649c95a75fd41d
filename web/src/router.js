// Routes of the app (under /app/). Views load on first visit, so a member's phone downloads the
// timeline, not the secretary's tools.
import { nextTick } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import { signedIn, managedOrgIds, isRegionAdmin } from './session.js'
import HomeView from './views/HomeView.vue'

export const router = createRouter({
  history: createWebHistory('/app/'),
  routes: [
    { path: '/', name: 'home', component: HomeView, meta: { title: 'nav.home' } },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: 'login.title' } },
    { path: '/chat', name: 'chats', component: () => import('./views/ChatListView.vue'), meta: { title: 'nav.chat' } },
    { path: '/chat/:id', name: 'chat', component: () => import('./views/ChatView.vue'), props: true, meta: { title: 'nav.chat' } },
    { path: '/me', name: 'me', component: () => import('./views/MeView.vue'), meta: { title: 'nav.me' } },
    {
      path: '/manage/import',
      name: 'import',
      component: () => import('./views/ManageImportView.vue'),
      meta: { title: 'import.title', manager: true },
    },
    { path: '/:rest(.*)*', name: 'missing', component: () => import('./views/MissingView.vue'), meta: { public: true, title: 'missing.title' } },
  ],
})

router.beforeEach((to) => {
  if (!to.meta.public && !signedIn()) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  if (to.meta.manager && !(managedOrgIds().length || isRegionAdmin())) return { name: 'home' }
  return true
})

// After moving to another view, the focus goes to the content (as after a page load), so keyboard and
// screen-reader users start reading the new view rather than where the old one was.
router.afterEach((to, from) => {
  if (from.matched.length === 0) return // the first view of a visit: the browser's own start
  nextTick(() => {
    const main = document.getElementById('main')
    if (main) main.focus({ preventScroll: false })
  })
})
