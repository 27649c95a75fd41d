export const routes = [
  { path: '/chat', name: 'chats', component: () => import('./ChatListView.vue'), meta: { title: 'nav.chat' } },
  { path: '/chat/:id', name: 'chat', component: () => import('./ChatView.vue'), props: true, meta: { title: 'nav.chat' } },
]
