// My network (人脉): friends, colleagues, superiors, follows, friend requests, external contacts, privacy.
export const routes = [
  { path: '/network', name: 'network', component: () => import('./NetworkView.vue'), meta: { title: 'network.title' } },
  {
    path: '/network/contacts',
    name: 'network-contacts',
    component: () => import('./ContactsView.vue'),
    meta: { title: 'contacts.title' },
  },
  {
    path: '/network/settings',
    name: 'network-settings',
    component: () => import('./NetworkSettingsView.vue'),
    meta: { title: 'networkSettings.title' },
  },
]

export const tools = [{ name: 'network', label: 'network.title', group: 'member', order: 10 }]
