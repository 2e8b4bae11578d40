// The one way the console talks to /api/v1: the session cookie rides along, unsafe methods repeat the
// session's CSRF token, and failures become ApiError with the server's Chinese message.

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public errors?: Record<string, string[]>,
  ) {
    super(message)
  }
}

let csrfToken = ''
let onUnauthorized: (() => void) | null = null

export function setCsrfToken(token: string | null): void {
  csrfToken = token ?? ''
}

export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler
}

type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  body?: unknown
  query?: Query
  // Requests the console makes by itself (polling) do not keep the session alive.
  background?: boolean
}

function queryString(query?: Query): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.append(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken
  if (options.background) headers['X-Background'] = '1'
  let response: Response
  try {
    response = await fetch(`/api/v1${path}${queryString(options.query)}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
  } catch {
    throw new ApiError(0, '网络连接失败，请检查网络后重试')
  }
  if (response.status === 204) return undefined as T
  const data = await response.json().catch(() => ({}))
  if (!response.ok) {
    if (response.status === 401 && onUnauthorized) onUnauthorized()
    throw new ApiError(response.status, data.message || '请求失败，请稍后重试', data.errors)
  }
  return data as T
}

export const get = <T>(path: string, query?: Query, background = false) =>
  request<T>('GET', path, { query, background })
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} })
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body })
export const del = <T>(path: string) => request<T>('DELETE', path)

export interface Page<T> {
  items: T[]
  total: number
  page: number
  limit: number
}
