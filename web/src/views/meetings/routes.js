export const routes = [
  { path: '/meetings', name: 'meetings', component: () => import('./MyMeetingsView.vue'), meta: { title: 'meetings.title' } },
  {
    path: '/meetings/:id',
    name: 'meeting',
    component: () => import('./MeetingView.vue'),
    props: true,
    meta: { title: 'meetings.meeting' },
  },
  {
    path: '/manage/meetings',
    name: 'meetings-manage',
    component: () => import('./ManageMeetingsView.vue'),
    meta: { title: 'meetings.manage.title', manager: true },
  },
  {
    path: '/manage/meetings/:id',
    name: 'meeting-roster',
    component: () => import('./RosterView.vue'),
    props: true,
    meta: { title: 'meetings.roster.title', manager: true },
  },
  {
    path: '/manage/meeting-compliance',
    name: 'meeting-compliance',
    component: () => import('./ComplianceView.vue'),
    meta: { title: 'meetings.compliance.title', manager: true },
  },
]

export const tools = [
  { name: 'meetings', label: 'meetings.title', group: 'member', order: 11 },
  { name: 'meetings-manage', label: 'meetings.manage.title', group: 'manage', order: 11 },
  { name: 'meeting-compliance', label: 'meetings.compliance.title', group: 'manage', order: 12 },
]
