// The dashboard picks its org with the org tree's picker: the tree's strings load with it.
export const routes = [
  {
    path: '/manage/stats',
    name: 'stats',
    component: () => import('./StatsView.vue'),
    meta: { title: 'stats.title', manager: true, areas: ['stats', 'orgtree'] },
  },
]

export const tools = [{ name: 'stats', label: 'stats.title', group: 'manage', order: 14 }]
