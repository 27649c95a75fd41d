export const routes = [
  {
    path: '/manage/orgs',
    name: 'orgtree',
    component: () => import('./OrgTreeView.vue'),
    meta: { title: 'orgtree.title', manager: true },
  },
]

export const tools = [{ name: 'orgtree', label: 'orgtree.title', group: 'manage', order: 11 }]
