import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Role } from './api/auth'
import { hasRole, loadSession, session } from './session'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    roles?: Role[]
    title?: string
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./views/auth/LoginView.vue'), meta: { public: true, title: '登录' } },
  {
    path: '/',
    component: () => import('./layout/ConsoleLayout.vue'),
    children: [
      { path: '', component: () => import('./views/common/HomeView.vue'), meta: { title: '首页' } },
      {
        path: 'petitions',
        component: () => import('./views/petitions/WorkspaceView.vue'),
        meta: { roles: ['clerk', 'dispatcher', 'supervisor'], title: '诉求办理' },
      },
      {
        path: 'petitions/:id(\\d+)',
        component: () => import('./views/petitions/TicketView.vue'),
        meta: { roles: ['clerk', 'dispatcher', 'supervisor'], title: '诉求详情' },
      },
      {
        path: 'templates',
        component: () => import('./views/templates/TemplatesView.vue'),
        meta: { roles: ['clerk', 'supervisor'], title: '常用语' },
      },
      {
        path: 'admin/staff',
        component: () => import('./views/admin/StaffView.vue'),
        meta: { roles: ['admin'], title: '账号管理' },
      },
      {
        path: 'account/password',
        component: () => import('./views/auth/PasswordView.vue'),
        meta: { title: '修改密码' },
      },
      {
        path: 'forbidden',
        component: () => import('./views/common/NotFoundView.vue'),
        meta: { title: '无权访问' },
      },
      {
        path: ':pathMatch(.*)*',
        component: () => import('./views/common/NotFoundView.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach(async (to) => {
  if (!session.loaded) {
    try {
      await loadSession()
    } catch {
      session.loaded = false
    }
  }
  if (to.meta.public) return true
  if (!session.staff) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.meta.roles && !hasRole(...to.meta.roles)) {
    return { path: '/forbidden', query: { from: to.fullPath } }
  }
  return true
})

router.afterEach((to) => {
  document.title = `${to.meta.title ?? '工作台'} · 指尖政务工作台`
})
