export const routes = [
  { path: '/services', name: 'services', component: () => import('./ServicesView.vue'), meta: { title: 'services.title' } },
  {
    path: '/services/new',
    name: 'services-new',
    component: () => import('./NewRequestView.vue'),
    meta: { title: 'services.new.title' },
  },
  {
    path: '/services/desk',
    name: 'services-desk',
    component: () => import('./DeskView.vue'),
    meta: { title: 'services.desk.title' },
  },
  {
    path: '/services/:id',
    name: 'services-request',
    component: () => import('./RequestView.vue'),
    props: true,
    meta: { title: 'services.request' },
  },
]

export const tools = [
  { name: 'services', label: 'services.title', group: 'member', order: 40 },
  { name: 'services-desk', label: 'services.desk.title', group: 'member', order: 41 },
]
