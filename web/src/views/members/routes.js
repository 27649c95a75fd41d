// The member views pick their org with the org tree's picker: the tree's strings load with them.
export const routes = [
  {
    path: '/manage/members',
    name: 'members',
    component: () => import('./MembersView.vue'),
    meta: { title: 'members.title', manager: true, areas: ['members', 'orgtree'] },
  },
  {
    path: '/manage/members/:id',
    name: 'member',
    component: () => import('./MemberView.vue'),
    props: true,
    meta: { title: 'member.title', manager: true, areas: ['members', 'orgtree'] },
  },
  {
    path: '/manage/arrears',
    name: 'arrears',
    component: () => import('./ArrearsView.vue'),
    meta: { title: 'arrears.title', manager: true, areas: ['members', 'orgtree'] },
  },
]

export const tools = [
  { name: 'members', label: 'members.title', group: 'manage', order: 12 },
  { name: 'arrears', label: 'arrears.title', group: 'manage', order: 13 },
]
