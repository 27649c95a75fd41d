import HomeView from './HomeView.vue'

// The home timeline is the first page of a visit: in the main bundle, not loaded on demand.
export const routes = [
  { path: '/', name: 'home', component: HomeView, meta: { title: 'nav.home' } },
  { path: '/post/:id', name: 'post', component: () => import('./PostView.vue'), props: true, meta: { title: 'post.title' } },
]
