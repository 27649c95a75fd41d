export const routes = [
  {
    path: '/manage/members',
    name: 'members',
    component: () => import('./MembersView.vue'),
    meta: { title: 'members.title', manager: true },
  },
  {
    path: '/manage/members/:id',
    name: 'member',
    component: () => import('./MemberView.vue'),
    props: true,
    meta: { title: 'member.title', manager: true },
  },
  {
    path: '/manage/arrears',
    name: 'arrears',
    component: () => import('./ArrearsView.vue'),
    meta: { title: 'arrears.title', manager: true },
  },
]

export const tools = [
  { name: 'members', label: 'members.title', group: 'manage', order: 12 },
  { name: 'arrears', label: 'arrears.title', group: 'manage', order: 13 },
]
