export const routes = [
  { path: '/notices', name: 'notices', component: () => import('./NoticeListView.vue'), meta: { title: 'notices.title' } },
  {
    path: '/notices/:id',
    name: 'notice',
    component: () => import('./NoticeView.vue'),
    props: true,
    meta: { title: 'notices.title' },
  },
  {
    path: '/manage/notices',
    name: 'notices-manage',
    component: () => import('./ManageNoticesView.vue'),
    meta: { title: 'notices.manage.title', manager: true },
  },
  {
    path: '/manage/notices/:id',
    name: 'notice-receipts',
    component: () => import('./ReceiptsView.vue'),
    props: true,
    meta: { title: 'notices.receipts.title', manager: true },
  },
]

export const tools = [
  { name: 'notices', label: 'notices.title', group: 'member', order: 10 },
  { name: 'notices-manage', label: 'notices.manage.title', group: 'manage', order: 10 },
]
