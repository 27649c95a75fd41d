export const routes = [
  { path: '/login', name: 'login', component: () => import('./LoginView.vue'), meta: { public: true, title: 'login.title' } },
  {
    path: '/register',
    name: 'register',
    component: () => import('./RegisterView.vue'),
    meta: { public: true, title: 'register.title' },
  },
]
