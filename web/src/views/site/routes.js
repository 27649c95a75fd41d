export const routes = [
  { path: '/manage/site', name: 'site', component: () => import('./SiteView.vue'), meta: { title: 'site.title', manager: true } },
]

export const tools = [{ name: 'site', label: 'site.title', group: 'manage', order: 50 }]
