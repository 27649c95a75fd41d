export const routes = [
  { path: '/study', name: 'study', component: () => import('./StudyView.vue'), meta: { title: 'study.title' } },
  {
    path: '/study/courses/:id',
    name: 'study-course',
    component: () => import('./CourseView.vue'),
    props: true,
    meta: { title: 'study.course' },
  },
  {
    path: '/study/courses/:id/lessons/:lessonId',
    name: 'study-lesson',
    component: () => import('./LessonView.vue'),
    props: true,
    meta: { title: 'study.lesson' },
  },
  {
    path: '/study/exams/:id',
    name: 'study-exam',
    component: () => import('./ExamView.vue'),
    props: true,
    meta: { title: 'study.exam.title' },
  },
  {
    path: '/study/points',
    name: 'study-points',
    component: () => import('./PointsView.vue'),
    meta: { title: 'study.points.title' },
  },
  {
    path: '/manage/study/report',
    name: 'study-report',
    component: () => import('./ReportView.vue'),
    meta: { title: 'study.report.title', manager: true },
  },
]

export const tools = [
  { name: 'study', label: 'study.title', group: 'member', order: 30 },
  { name: 'study-points', label: 'study.points.title', group: 'member', order: 31 },
  { name: 'study-report', label: 'study.report.title', group: 'manage', order: 30 },
]
