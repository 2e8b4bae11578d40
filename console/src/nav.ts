// The console's pages and who may open them; the menu shows only what the role may do.
import type { Role } from './api/auth'

export interface NavItem {
  path: string
  title: string
  roles: Role[]
}

export const NAV: NavItem[] = [
  { path: '/petitions', title: '诉求办理', roles: ['clerk', 'dispatcher', 'supervisor'] },
  { path: '/templates', title: '常用语', roles: ['clerk', 'supervisor'] },
  { path: '/admin/staff', title: '账号管理', roles: ['admin'] },
]
