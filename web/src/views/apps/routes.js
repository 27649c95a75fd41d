export const routes = [
  { path: '/apps', name: 'my-apps', component: () => import('./MyMenuView.vue'), meta: { title: 'apps.myTitle' } },
  { path: '/apps/:id', name: 'app', component: () => import('./AppView.vue'), props: true, meta: { title: 'apps.myTitle' } },
  {
    path: '/manage/apps',
    name: 'apps-manage',
    component: () => import('./AppsManageView.vue'),
    meta: { title: 'apps.manageTitle', manager: true },
  },
]

export const tools = [
  { name: 'my-apps', label: 'apps.myTitle', group: 'member', order: 40 },
  { name: 'apps-manage', label: 'apps.manageTitle', group: 'manage', order: 40 },
]
