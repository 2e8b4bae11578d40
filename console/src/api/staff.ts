import { get, post, patch, type Page } from './http'
import type { Staff, Role } from './auth'

export interface StaffAccount extends Staff {
  is_active: boolean
  last_login_at: string | null
  created_at: string
}

export interface AuditEvent {
  id: number
  action: string
  action_label: string
  actor_id: number | null
  actor_role: string | null
  detail: Record<string, unknown>
  at: string
}

export const listStaff = (query: { q?: string; role?: string; department?: string; page?: number }) =>
  get<Page<StaffAccount>>('/staff', query)
export const createStaff = (data: {
  username: string
  display_name: string
  role: Role
  department: string | null
  password: string
}) => post<StaffAccount>('/staff', data)
export const updateStaff = (
  id: number,
  data: { display_name?: string; role?: Role; department?: string | null; is_active?: boolean },
) => patch<StaffAccount>(`/staff/${id}`, data)
export const resetPassword = (id: number, password: string) => post<void>(`/staff/${id}/password`, { password })
export const staffAudit = (id: number) => get<{ items: AuditEvent[] }>(`/staff/${id}/audit`)
