export const routes = [
  { path: '/login', name: 'login', component: () => import('./LoginView.vue'), meta: { public: true, title: 'login.title' } },
]
