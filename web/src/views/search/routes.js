// Search (搜索) across posts, threads, notices, orgs, people, articles, questions and courses.
export const routes = [{ path: '/search', name: 'search', component: () => import('./SearchView.vue'), meta: { title: 'search.title' } }]

export const tools = [{ name: 'search', label: 'search.title', group: 'member', order: 1 }]
