// Who is signed in, shared by the router, the layout and every page (one small reactive object; no Pinia).
import { reactive } from 'vue'
import { fetchSession, signIn, signOut, type Role, type Staff } from './api/auth'
import { setCsrfToken } from './api/http'

export const ROLE_LABELS: Record<Role, string> = {
  clerk: '办理员',
  dispatcher: '派单员',
  supervisor: '督办员',
  trainer: '机器人训练师',
  editor: '事项编辑',
  organiser: '活动组织者',
  admin: '系统管理员',
}

export const session = reactive({
  loaded: false,
  staff: null as Staff | null,
  idleTimeout: 1800,
})

function apply(info: { authenticated: boolean; staff: Staff | null; csrf_token: string | null; idle_timeout: number }) {
  session.staff = info.authenticated ? info.staff : null
  session.idleTimeout = info.idle_timeout
  setCsrfToken(info.csrf_token)
  session.loaded = true
}

export async function loadSession(): Promise<void> {
  apply(await fetchSession())
}

export async function login(username: string, password: string): Promise<void> {
  apply(await signIn(username, password))
}

export async function logout(): Promise<void> {
  try {
    await signOut()
  } finally {
    forget()
  }
}

export function forget(): void {
  session.staff = null
  setCsrfToken(null)
}

/** True when the signed-in member has one of the roles (admins may do everything). */
export function hasRole(...roles: Role[]): boolean {
  const role = session.staff?.role
  return !!role && (role === 'admin' || roles.includes(role))
}
