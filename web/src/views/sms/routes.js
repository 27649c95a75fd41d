export const routes = [
  { path: '/manage/sms', name: 'sms', component: () => import('./SmsView.vue'), meta: { title: 'sms.title', manager: true } },
  {
    path: '/manage/sms/sends/:id',
    name: 'sms-send',
    component: () => import('./SmsSendView.vue'),
    props: true,
    meta: { title: 'sms.sendTitle', manager: true },
  },
]

export const tools = [{ name: 'sms', label: 'sms.title', group: 'manage', order: 30 }]
