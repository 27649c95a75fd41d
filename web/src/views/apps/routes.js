export const routes = [
  { path: '/apps', name: 'my-apps', component: () => import('./MyMenuView.vue'), meta: { title: 'apps.myTitle' } },
  { path: '/apps/:id', name: 'app', component: () => import('./AppView.vue'), props: true, meta: { title: 'apps.myTitle' } },
  {
    path: '/manage/apps',
    name: 'apps-manage',
    component: () => import('./AppsManageView.vue'),
    meta: { title: 'apps.manageTitle', manager: true },
  },
  {
    path: '/manage/apps/:id/submissions',
    name: 'app-submissions',
    component: () => import('./SubmissionsView.vue'),
    props: (route) => ({ id: route.params.id, org: String(route.query.org || '') }),
    meta: { title: 'apps.submissions', manager: true },
  },
]

export const tools = [
  { name: 'my-apps', label: 'apps.myTitle', group: 'member', order: 40 },
  { name: 'apps-manage', label: 'apps.manageTitle', group: 'manage', order: 40 },
]
