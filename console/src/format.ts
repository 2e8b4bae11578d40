// Dates in Beijing time and the countdown to a deadline.

const BEIJING = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

export function formatTime(value: string | null | undefined): string {
  if (!value) return '—'
  return BEIJING.format(new Date(value)).replace(/\//g, '-')
}

/** "剩余 2天3小时" / "超时 5小时" from now to a deadline. */
export function countdown(deadline: string | null | undefined, now: number): string {
  if (!deadline) return '—'
  let seconds = Math.floor((new Date(deadline).getTime() - now) / 1000)
  const late = seconds < 0
  seconds = Math.abs(seconds)
  const days = Math.floor(seconds / 86400)
  const hours = Math.floor((seconds % 86400) / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const secs = seconds % 60
  let text: string
  if (days > 0) text = `${days}天${hours}小时`
  else if (hours > 0) text = `${hours}小时${minutes}分`
  else text = `${minutes}分${String(secs).padStart(2, '0')}秒`
  return late ? `超时 ${text}` : `剩余 ${text}`
}
