export const routes = [
  {
    path: '/manage/stats',
    name: 'stats',
    component: () => import('./StatsView.vue'),
    meta: { title: 'stats.title', manager: true },
  },
]

export const tools = [{ name: 'stats', label: 'stats.title', group: 'manage', order: 14 }]
