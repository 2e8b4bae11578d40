import { get, post, type Page } from './http'
import type { DepartmentRef, PlaceRef } from './directory'

export const TYPES = ['投诉', '求助', '咨询', '建议', '表扬'] as const

export const STATUS_LABELS: Record<string, string> = {
  submitted: '待派单',
  dispatched: '待签收',
  accepted: '办理中',
  replied: '已答复待评价',
  closed: '已办结',
  returned: '已退回待派单',
  withdrawn: '已撤回',
  merged: '已合并',
}

export interface QueueCount {
  key: string
  label: string
  count: number
}

export interface PetitionListItem {
  id: number
  number: string
  type: string
  summary: string
  status: string
  status_label: string
  urgency: string
  category: string | null
  department: DepartmentRef | null
  street: PlaceRef
  stage_deadline: string | null
  accept_overdue: boolean
  reply_overdue: boolean
  close_overdue: boolean
  created_at: string
}

export interface AllowedAction {
  action: string
  label: string
  reason_required: boolean
}

export interface Clock {
  stage: string
  label: string
  deadline: string
  done_at: string | null
  running: boolean
  overdue: boolean
  working_days_left: number | null
}

export interface TimelineEntry {
  kind: 'transition' | 'audit'
  action: string
  label: string
  to_status_label?: string | null
  actor_kind: string
  actor_role: string | null
  actor_name: string | null
  department?: DepartmentRef | null
  reason?: string | null
  at: string
}

export interface Resident {
  id: number
  nickname: string
  phone: string | null
  phone_revealed: boolean
  can_reveal: boolean
}

export interface Petition extends PetitionListItem {
  content: string
  community: PlaceRef | null
  address: string
  contact_consent: boolean
  extension_status: string
  extension_days: number | null
  returned_count: number
  reopened_count: number
  resident: Resident
  photos: { id: number; content_type: string; size: number; url: string }[]
  replies: { id: number; content: string; department: DepartmentRef; created_at: string }[]
  notes: { id: number; staff_id: number; body: string; created_at: string }[]
  ratings: { round: number; score: number; resolved: boolean; comment: string; created_at: string }[]
  allowed_actions: AllowedAction[]
  clocks: Clock[]
  timeline: TimelineEntry[]
}

export interface PetitionFilters {
  queue?: string
  status?: string
  type?: string
  street?: string
  community?: string
  category?: string
  overdue?: boolean | null
  rating?: number | null
  from?: string
  to?: string
  q?: string
  sort?: string
  page?: number
  limit?: number
}

export const queueCounts = (background = false) =>
  get<{ items: QueueCount[] }>('/petitions/queues', undefined, background)
export const listPetitions = (filters: PetitionFilters, background = false) =>
  get<Page<PetitionListItem>>('/petitions', { ...filters }, background)
export const getPetition = (id: number) => get<Petition>(`/petitions/${id}`)
export const transition = (id: number, action: string, data: Record<string, unknown> = {}) =>
  post<Petition>(`/petitions/${id}/transitions`, { action, ...data })
export const reply = (id: number, content: string) => post<Petition>(`/petitions/${id}/replies`, { content })
export const addNote = (id: number, body: string) => post(`/petitions/${id}/notes`, { body })
export const revealContact = (id: number) => post<Resident>(`/petitions/${id}/contact`)
export const bulkAccept = (ids: number[]) =>
  post<{ items: { id: number; ok: boolean; message: string | null }[] }>('/petitions/bulk-accept', { ids })
export const renderedTemplates = (id: number) =>
  get<{ items: { id: number; title: string; text: string }[] }>(`/petitions/${id}/reply-templates`)
