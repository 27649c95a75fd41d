// My data and consent settings: location consent, SMS notifications, notification preferences, my data.
export const routes = [
  { path: '/privacy', name: 'privacy', component: () => import('./PrivacyView.vue'), meta: { title: 'privacy.title' } },
]

export const tools = [{ name: 'privacy', label: 'privacy.title', group: 'member', order: 90 }]
