export const routes = [
  { path: '/work', name: 'workbench', component: () => import('./WorkbenchView.vue'), meta: { title: 'nav.work' } },
  {
    path: '/:rest(.*)*',
    name: 'missing',
    component: () => import('./MissingView.vue'),
    meta: { public: true, title: 'missing.title' },
  },
]
