// My data and consent settings: location consent, SMS notifications, notification preferences, my data (the
// location part, and everything as one file), deleting my account. After a deletion the sign-in page comes
// with a notice of it (public: the session is gone).
export const routes = [
  { path: '/privacy', name: 'privacy', component: () => import('./PrivacyView.vue'), meta: { title: 'privacy.title' } },
  {
    path: '/login/deleted',
    name: 'account-deleted',
    component: () => import('./DeletedView.vue'),
    meta: { public: true, title: 'login.title', areas: ['privacy', 'login'] },
  },
]

export const tools = [{ name: 'privacy', label: 'privacy.title', group: 'member', order: 90 }]
