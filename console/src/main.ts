import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { whenUnauthorized } from './api/http'
import { forget, session } from './session'
import './styles.css'

// Any 401 (idle timeout, logout elsewhere, password changed) sends the member back to the login page.
whenUnauthorized(() => {
  if (!session.staff) return
  forget()
  const current = router.currentRoute.value
  if (!current.meta.public) {
    router.replace({ path: '/login', query: { next: current.fullPath, expired: '1' } })
  }
})

createApp(App).use(router).mount('#app')
