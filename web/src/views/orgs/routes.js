// Org pages: an org's name, type, address, the orgs above it and its official posts; following it.
export const routes = [
  { path: '/org/:id', name: 'org', component: () => import('./OrgView.vue'), props: true, meta: { title: 'orgPage.title' } },
  { path: '/my-org', name: 'my-org', component: () => import('./MyOrgView.vue'), meta: { title: 'orgPage.mine' } },
]

export const tools = [{ name: 'my-org', label: 'orgPage.mine', group: 'member', order: 5 }]
