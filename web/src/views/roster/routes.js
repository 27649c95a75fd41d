export const routes = [
  {
    path: '/manage/import',
    name: 'import',
    component: () => import('./ImportView.vue'),
    meta: { title: 'import.title', manager: true },
  },
]

export const tools = [{ name: 'import', label: 'import.title', group: 'manage', order: 20 }]
