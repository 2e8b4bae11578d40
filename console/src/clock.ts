// One ticking "now" for every countdown on screen.
import { onBeforeUnmount, onMounted, ref } from 'vue'

export function useNow(intervalMs = 1000) {
  const now = ref(Date.now())
  let timer: number | undefined
  onMounted(() => {
    timer = window.setInterval(() => (now.value = Date.now()), intervalMs)
  })
  onBeforeUnmount(() => window.clearInterval(timer))
  return now
}

/** Calls fn now and every intervalMs while the component is mounted and the tab is visible. */
export function usePolling(fn: () => unknown, intervalMs: number) {
  let timer: number | undefined
  onMounted(() => {
    timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') fn()
    }, intervalMs)
  })
  onBeforeUnmount(() => window.clearInterval(timer))
}
