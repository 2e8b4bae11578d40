import { get } from './http'

export interface DepartmentRef {
  code: string
  name: string
}

export interface PlaceRef {
  code: string
  name: string
}

export interface Street extends PlaceRef {
  communities: PlaceRef[]
}

export const listDepartments = () => get<{ items: DepartmentRef[] }>('/departments')
export const listStreets = () => get<{ items: Street[] }>('/streets')
