// Search (搜索) across posts, threads, notices, orgs, people, articles, questions and courses. A person found
// can be followed or asked to be a friend with the network area's buttons: its strings load too.
export const routes = [
  {
    path: '/search',
    name: 'search',
    component: () => import('./SearchView.vue'),
    meta: { title: 'search.title', areas: ['search', 'network'] },
  },
]

export const tools = [{ name: 'search', label: 'search.title', group: 'member', order: 1 }]
