export const routes = [
  { path: '/inbox', name: 'inbox', component: () => import('./InboxView.vue'), meta: { title: 'inbox.title' } },
]
