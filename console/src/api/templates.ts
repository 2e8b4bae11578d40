import { get, post, patch, del } from './http'
import type { DepartmentRef } from './directory'

export interface ReplyTemplate {
  id: number
  department: DepartmentRef
  title: string
  body: string
  updated_at: string
}

export const listTemplates = (department?: string) =>
  get<{ items: ReplyTemplate[]; variables: Record<string, string> }>('/reply-templates', { department })
export const createTemplate = (data: { title: string; body: string; department?: string }) =>
  post<ReplyTemplate>('/reply-templates', data)
export const updateTemplate = (id: number, data: { title?: string; body?: string }) =>
  patch<ReplyTemplate>(`/reply-templates/${id}`, data)
export const deleteTemplate = (id: number) => del<void>(`/reply-templates/${id}`)
