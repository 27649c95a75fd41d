export const routes = [{ path: '/me', name: 'me', component: () => import('./MeView.vue'), meta: { title: 'nav.me' } }]
