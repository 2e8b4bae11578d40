import { get, post, del, request } from './http'
import type { DepartmentRef } from './directory'

export type Role = 'clerk' | 'dispatcher' | 'supervisor' | 'trainer' | 'editor' | 'organiser' | 'admin'

export interface Staff {
  id: number
  username: string
  display_name: string
  role: Role
  department: DepartmentRef | null
}

export interface SessionInfo {
  authenticated: boolean
  staff: Staff | null
  csrf_token: string | null
  idle_timeout: number
}

export const fetchSession = () => get<SessionInfo>('/auth/session')
export const signIn = (username: string, password: string) =>
  post<SessionInfo>('/auth/session', { username, password })
export const signOut = () => del<void>('/auth/session')
export const changePassword = (oldPassword: string, newPassword: string) =>
  request<void>('POST', '/auth/password', { body: { old_password: oldPassword, new_password: newPassword } })
